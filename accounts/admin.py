"""Administration of jurisdictions, organisations, users and roles (the system administrator's work).

Cities and counties are added here as jurisdictions, and their units as organisations.
The audit trail is deliberately not registered: the system administrator may not read it (三权分立).
"""

from contextvars import ContextVar

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm

from . import services
from .models import Jurisdiction, Organisation, RoleAssignment, User

# The administrator behind the password form (the admin builds the form without the request).
_admin_actor: ContextVar = ContextVar("accounts_admin_actor", default=None)


class ResetPasswordForm(AdminPasswordChangeForm):
    """An administrator's reset: history, audit, and a forced change at the holder's next login (SECURITY.md 2)."""

    def save(self, commit=True):
        if not self.cleaned_data.get("password1"):
            return super().save(commit)
        self.user = services.password_reset_by_admin(actor=_admin_actor.get(), user=self.user,
                                                     new_password=self.cleaned_data["password1"])
        return self.user


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "jurisdiction")
    list_filter = ("kind",)
    search_fields = ("code", "name")


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    extra = 1


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "full_name", "organisation", "is_active")
    search_fields = ("username", "full_name")
    fieldsets = BaseUserAdmin.fieldsets + (("机构", {"fields": ("organisation", "full_name")}),)
    inlines = [RoleInline]
    change_password_form = ResetPasswordForm

    def user_change_password(self, request, id, form_url=""):
        token = _admin_actor.set(request.user)
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            _admin_actor.reset(token)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.must_change_password = True  # the first login after creation forces a change
            return super().save_model(request, obj, form, change)
        disabling = "is_active" in form.changed_data and not obj.is_active
        if disabling:
            obj.is_active = True
        super().save_model(request, obj, form, change)
        if disabling:
            services.account_disable(actor=request.user, user=obj, reason="管理员停用")
            obj.refresh_from_db()

    def save_formset(self, request, form, formset, change):
        """Role changes through the audited services: one record each, sessions end on removal."""
        if formset.model is not RoleAssignment:
            return super().save_formset(request, form, formset, change)
        instances = formset.save(commit=False)
        for gone in formset.deleted_objects:
            services.role_remove(actor=request.user, user=form.instance, role=gone.role)
        for item in instances:
            if item.pk:
                previous = RoleAssignment.objects.get(pk=item.pk).role
                if previous != item.role:
                    services.role_remove(actor=request.user, user=form.instance, role=previous)
                    services.role_grant(actor=request.user, user=form.instance, role=item.role)
            else:
                services.role_grant(actor=request.user, user=form.instance, role=item.role)
        formset.save_m2m()

"""Administration of jurisdictions, organisations, users and roles (the system administrator's work).

Cities and counties are added here as jurisdictions, and their units as organisations.
The audit trail is deliberately not registered: the system administrator may not read it (三权分立).
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Jurisdiction, Organisation, RoleAssignment, User


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

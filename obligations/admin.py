"""The holiday calendar is data the system administrator keeps up to date each year (民法典 第二百零三条):
the State Council's notice of statutory holidays and make-up working days. Obligations themselves are
derived, never typed by hand: they are shown read-only."""

from django.contrib import admin

from .models import CalendarDay, HolidayCalendar, Obligation


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 3
    ordering = ["day"]


@admin.register(HolidayCalendar)
class HolidayCalendarAdmin(admin.ModelAdmin):
    list_display = ("year", "confirmed", "notice", "updated_at")
    list_filter = ("confirmed",)
    inlines = [CalendarDayInline]


@admin.register(Obligation)
class ObligationAdmin(admin.ModelAdmin):
    list_display = ("title", "organisation", "kind", "due_on", "status")
    list_filter = ("kind", "status")
    search_fields = ("title", "source_key")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

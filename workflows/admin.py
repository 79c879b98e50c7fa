from django.contrib import admin
from django.db import transaction
from django.forms import ModelForm
from django.http import HttpRequest

from workflows import calendar
from workflows.models import (
    CalendarDay,
    CalendarYear,
    Deadline,
    DeadlineEvent,
    Escalation,
    Policy,
    RuleSetBoundary,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows only the engine writes (clocks, their escalations, applied boundaries): shown, never edited."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "jurisdiction", "kind", "name", "source"]
    list_filter = ["kind", "jurisdiction"]
    search_fields = ["name", "source", "jurisdiction"]
    date_hierarchy = "date"


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "jurisdiction", "source", "entered_at"]
    list_filter = ["jurisdiction"]
    search_fields = ["source", "jurisdiction"]

    def save_model(self, request: HttpRequest, obj: CalendarYear, form: ModelForm, change: bool) -> None:
        # Marking a year known (after its days were entered here) must let the deadline
        # engine recompute what was provisional, as load_calendar_year does.
        super().save_model(request, obj, form, change)
        transaction.on_commit(lambda: calendar.on_year_entered(obj.year, obj.jurisdiction))


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    """Law is data: administrators edit deadlines here; a new version is a new row."""

    list_display = ["step", "list_type", "dishonesty_class", "jurisdiction", "sector", "legal_basis",
                    "length", "clock", "effective_from", "effective_to", "exit_condition", "confidence"]
    list_filter = ["step", "clock", "jurisdiction", "sector", "exit_condition", "confidence"]
    list_select_related = ["legal_basis"]
    autocomplete_fields = ["legal_basis"]
    search_fields = ["source"]


class DeadlineEventInline(admin.TabularInline):
    model = DeadlineEvent
    fields = ("at", "kind", "actor", "old_due", "new_due", "detail")
    readonly_fields = ("at", "kind", "actor", "old_due", "new_due", "detail")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Deadline)
class DeadlineAdmin(ReadOnlyAdmin):
    """Read-only: deadlines move only through transitions, extensions and sla_recompute."""

    list_display = ["case", "step", "state", "due_on", "provisional", "escalation_level",
                    "department"]
    list_filter = ["state", "step", "provisional", "escalation_level"]
    search_fields = ["case__number"]
    inlines = [DeadlineEventInline]
    list_select_related = ["case", "department"]


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ["deadline", "rung", "due_on", "fired_at", "department"]
    list_filter = ["rung"]


@admin.register(RuleSetBoundary)
class RuleSetBoundaryAdmin(ReadOnlyAdmin):
    """Read-only: the sweep writes a row when it applies a boundary (workflows/boundaries.py)."""

    list_display = ["effective_on", "applied_at", "moved", "failed", "resume_after"]

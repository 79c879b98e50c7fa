"""Django admin for casework: catalogues, departments and accounts are edited here; states never are.

A case or step moves only through ``casework.services.advance`` (the one door).
The admin offers a "take a transition" page that calls it as the signed-in
user, so the machines' rules (谁认定、谁约谈, four eyes, …) apply here exactly as
in the API, and a refusal shows the rule's own message. Cases, steps, evidence
and audit events are read-only and can never be deleted: the audit chain
references them. Departments are retired by handover, never deleted.
"""

from typing import Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.forms.utils import ErrorList
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from casework import payloads
from casework.exceptions import Conflict, PayloadInvalid
from casework.models import (
    AuditEvent,
    Case,
    Department,
    Evidence,
    LegalBasis,
    Measure,
    MeasureTask,
    Objection,
    Rectification,
    RepairApplication,
    Subject,
    Talk,
)
from casework.services import (
    advance,
    available_transitions,
    hand_over_department,
    identifier_reads,
    transition_names,
)
from workflows.guards import RuleRefused

admin.site.site_header = _("Credit casework administration")
admin.site.site_title = _("Credit casework")
admin.site.index_title = _("Administration")

# Error codes of casework.identifiers: the subject's identifier check (see SubjectForm).
IDENTIFIER_ERROR_PREFIXES = ("uscc_", "citizen_id_")


def admin_url(obj: models.Model, view: str, *args: Any) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_{view}", args=args)


def audit_trail_link(chain: str) -> str:
    url = reverse("admin:casework_auditevent_changelist") + "?" + urlencode({"q": chain})
    return format_html('<a href="{}">{}</a>', url, gettext("Audit trail (%(chain)s)") % {"chain": chain})


# --- shared behaviour -----------------------------------------------------------------------


class NoDeleteAdmin(admin.ModelAdmin):
    """Rows that cases or the audit trail reference are retired or closed, never deleted."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(NoDeleteAdmin):
    """Shown, never written from the admin: rows are created and changed by the services."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ObjectToolsAdmin(admin.ModelAdmin):
    """Adds links (object tools) to the change page; subclasses list them in object_tools()."""

    change_form_template = "admin/casework/change_form_with_tools.html"

    def object_tools(self, request: HttpRequest, obj: Any) -> list[tuple[str, str]]:
        return []

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        tools = self.object_tools(request, obj) if obj is not None else []
        context = {**(extra_context or {}), "casework_object_tools": tools}
        return super().change_view(request, object_id, form_url, context)

    def render_tool_page(
        self, request: HttpRequest, obj: Any, title: str, form: forms.Form, template: str,
        **extra: Any,
    ) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts, "original": obj, "title": title, "form": form,
            "change_url": admin_url(obj, "change", obj.pk), **extra,
        }
        return TemplateResponse(request, template, context)


# --- taking a transition --------------------------------------------------------------------


def transition_form(obj: Any, name: str, data: Any = None) -> forms.Form:
    """The transition's declared form (its payload), with the version the page was read at."""
    base = payloads.form_class(obj, name)
    form_type = type("AdminTransitionForm", (base,), {
        "expected_version": forms.IntegerField(widget=forms.HiddenInput, initial=obj.version),
    })
    return form_type(data)


def transition_label(obj: Any, name: str, method_name: str) -> str:
    """``notify → Notified``: the name the service knows and the state it leads to."""
    fsm_transition = getattr(obj, method_name)._django_fsm.get_transition(obj.state)
    if fsm_transition is None:
        return name
    states = dict(obj._meta.get_field("state").flatchoices)
    return f"{name} → {states.get(fsm_transition.target, fsm_transition.target)}"


class TransitionAdmin(ReadOnlyAdmin, ObjectToolsAdmin):
    """A machine's admin: read-only, with a "take a transition" page calling the service."""

    actions = ["take_transition"]
    list_per_page = 50

    def get_urls(self) -> list[URLPattern]:
        name = f"{self.opts.app_label}_{self.opts.model_name}_transition"
        view = self.admin_site.admin_view(self.transition_view)
        return [path("<path:object_id>/transition/", view, name=name), *super().get_urls()]

    def object_tools(self, request: HttpRequest, obj: Any) -> list[tuple[str, str]]:
        return [(admin_url(obj, "transition", obj.pk), gettext("Take a transition"))]

    def transition_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)  # type: ignore[attr-defined]  # private ModelAdmin helper, missing from django-stubs
        # Viewing is the admin's gate; whether this user may take the step is the rules' call.
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        known = transition_names(obj)
        name = request.GET.get("name", "")
        if name not in known:
            choices = [(choice, transition_label(obj, choice, known[choice]))
                       for choice in available_transitions(obj, request.user)]
            title = gettext("Take a transition: %(object)s") % {"object": obj}
            return self.render_tool_page(request, obj, title, forms.Form(),
                                         "admin/casework/transition_choice.html", choices=choices)
        form = transition_form(obj, name, request.POST if request.method == "POST" else None)
        if form.is_valid() and self.take(request, obj, name, form):
            return HttpResponseRedirect(admin_url(obj, "change", obj.pk))
        title = gettext("%(transition)s: %(object)s") % {
            "transition": transition_label(obj, name, known[name]), "object": obj}
        return self.render_tool_page(request, obj, title, form, "admin/casework/transition_form.html")

    def take(self, request: HttpRequest, obj: Any, name: str, form: Any) -> bool:
        try:
            result = advance(obj, name, request.user, form.payload_data(),
                             expected_version=form.cleaned_data["expected_version"])
        except PayloadInvalid as invalid:
            for field, errors in invalid.errors.items():
                form.add_error(field if field in form.fields else None, errors)
            return False
        except RuleRefused as refusal:
            messages.error(request, str(refusal.message))
            return False
        except Conflict as conflict:
            messages.error(request, str(conflict))
            return False
        text = gettext("“%(name)s” taken: %(object)s is now “%(state)s” (version %(version)s).")
        messages.success(request, text % {
            "name": name, "object": obj, "state": obj.get_state_display(), "version": result.version,
        })
        return True

    @admin.action(description=_("Take a transition on the selected record"))
    def take_transition(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse | None:
        if queryset.count() != 1:
            messages.warning(request, gettext("Select exactly one record to take a transition."))
            return None
        obj = queryset.get()
        return HttpResponseRedirect(admin_url(obj, "transition", obj.pk))


class StepInline(admin.TabularInline):
    """A case's steps on the case page, read-only; each links to its own page."""

    fields: ClassVar[tuple[str, ...]] = ("state", "version", "created_at")
    readonly_fields: ClassVar[tuple[str, ...]] = ("state", "version", "created_at")
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ObjectionInline(StepInline):
    model = Objection


class RectificationInline(StepInline):
    model = Rectification
    fields = ("state", "version", "due_on", "created_at")
    readonly_fields = fields


class TalkInline(StepInline):
    model = Talk
    fields = ("state", "kind", "organiser", "scheduled_for", "version")
    readonly_fields = fields


class MeasureTaskInline(StepInline):
    model = MeasureTask
    fields = ("state", "measure", "department", "version")
    readonly_fields = fields


class RepairApplicationInline(StepInline):
    model = RepairApplication


class EvidenceInline(StepInline):
    model = Evidence
    fields = ("original_name", "content_type", "size", "sha256", "uploaded_by", "uploaded_at")
    readonly_fields = fields


# --- catalogues, departments, accounts, subjects ---------------------------------------------


@admin.register(LegalBasis)
class LegalBasisAdmin(NoDeleteAdmin):
    # No delete: a case's legal bases are a many-to-many link that a delete would silently
    # drop; a basis that lapses gets an active_until date instead.
    list_display = ("title", "article", "kind", "allows_serious_list", "allows_focus_list",
                    "listing_years", "sector", "active_from", "active_until")
    list_filter = ("kind", "sector", "allows_serious_list", "allows_focus_list")
    search_fields = ("title", "article")


@admin.register(Measure)
class MeasureAdmin(NoDeleteAdmin):
    # No delete, as for legal bases: measure tasks and cases refer to it; deactivate instead.
    list_display = ("code", "title", "legal_basis", "department", "list_types", "active")
    list_filter = ("active", "department")
    list_select_related = ("legal_basis", "department")
    search_fields = ("code", "title")


class HandoverForm(forms.Form):
    successor = forms.ModelChoiceField(queryset=Department.objects.none(), label=_("Successor"))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, department: Department, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        successor = self.fields["successor"]
        assert isinstance(successor, forms.ModelChoiceField)
        successor.queryset = Department.objects.filter(
            active=True, kind=department.kind
        ).exclude(pk=department.pk)


@admin.register(Department)
class DepartmentAdmin(NoDeleteAdmin, ObjectToolsAdmin):
    list_display = ("code", "name", "kind", "level", "parent", "active", "successor")
    list_filter = ("kind", "level", "active")
    list_select_related = ("parent", "successor")
    search_fields = ("code", "name")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Retiring moves the department's open work to its successor (hand_over_department);
        # flipping the flag here would strand that work.
        return ("active", "successor", "audit_trail") if obj is not None else ()

    @admin.display(description=_("Audit trail"))
    def audit_trail(self, obj: Department) -> str:
        return audit_trail_link(f"department:{obj.pk}")

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.handover_view)
        return [path("<path:object_id>/handover/", view, name="casework_department_handover"),
                *super().get_urls()]

    def object_tools(self, request: HttpRequest, obj: Any) -> list[tuple[str, str]]:
        if not obj.active or not self.has_change_permission(request, obj):
            return []
        return [(admin_url(obj, "handover", obj.pk), gettext("Hand over and retire"))]

    def handover_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        department = self.get_object(request, unquote(object_id))
        if department is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)  # type: ignore[attr-defined]  # private ModelAdmin helper, missing from django-stubs
        if not self.has_change_permission(request, department):
            raise PermissionDenied
        form = HandoverForm(department, request.POST if request.method == "POST" else None)
        if form.is_valid() and self.hand_over(request, department, form.cleaned_data):
            return HttpResponseRedirect(admin_url(department, "change", department.pk))
        title = gettext("Hand over and retire: %(department)s") % {"department": department}
        return self.render_tool_page(request, department, title, form, "admin/casework/handover_form.html")

    def hand_over(self, request: HttpRequest, department: Department, cleaned: dict[str, Any]) -> bool:
        try:
            summary = hand_over_department(department, cleaned["successor"], request.user, cleaned["reason"])
        except RuleRefused as refusal:
            messages.error(request, str(refusal.message))
            return False
        messages.success(request, gettext(
            "Handed over to %(successor)s: %(cases)s cases, %(talks)s talks, %(tasks)s measure tasks."
        ) % {"successor": cleaned["successor"], "cases": summary.cases, "talks": summary.talks,
             "tasks": summary.measure_tasks})
        return True


class SubjectForm(forms.ModelForm):
    class Meta:
        model = Subject
        fields = ("kind", "name", "identifier")

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]  # BaseForm._post_clean is private, missing from django-stubs
        # Subject.clean() checks the identifier against the kind and raises a form-wide
        # error; show it on the identifier field, which it is about.
        non_field = self.errors.get(NON_FIELD_ERRORS)
        if not non_field:
            return
        errors = non_field.as_data()
        moved = [error for error in errors if (error.code or "").startswith(IDENTIFIER_ERROR_PREFIXES)]
        if not moved:
            return
        kept = [error for error in errors if error not in moved]
        if kept:
            self.errors[NON_FIELD_ERRORS] = ErrorList(kept, error_class="nonfield", renderer=self.renderer)
        else:
            del self.errors[NON_FIELD_ERRORS]
        self.add_error("identifier", moved)


@admin.register(Subject)
class SubjectAdmin(NoDeleteAdmin):
    form = SubjectForm
    list_display = ("name", "kind", "listed_identifier")
    list_filter = ("kind",)
    # Exact match only: a partial identifier search would let one probe masked numbers.
    search_fields = ("name", "=identifier")

    @admin.display(description=_("identifier"))
    def listed_identifier(self, obj: Subject) -> str:
        return obj.masked_identifier

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Any:
        # The change page shows (and edits) the whole number: a logged read.
        subject = super().get_object(request, object_id, from_field)
        if subject is not None:
            identifier_reads.record(request.user, subject, "admin:casework_subject_change")
        return subject


# --- the case and its steps (read-only; transitions through the service) --------------------


@admin.register(Case)
class CaseAdmin(TransitionAdmin):
    list_display = ("number", "subject", "owner_department", "list_type", "dishonesty_class", "state",
                    "version", "listed_from", "listed_until", "published")
    list_filter = ("state", "list_type", "dishonesty_class", "published", "owner_department")
    list_select_related = ("subject", "owner_department")
    search_fields = ("number", "subject__name", "=subject__identifier")
    readonly_fields = ("state", "version", "audit_trail")
    inlines = [ObjectionInline, RectificationInline, TalkInline, MeasureTaskInline,
               RepairApplicationInline, EvidenceInline]

    @admin.display(description=_("Audit trail"))
    def audit_trail(self, obj: Case) -> str:
        return audit_trail_link(f"case:{obj.pk}")


class StepAdmin(TransitionAdmin):
    list_display: tuple[str, ...] = ("__str__", "case", "state", "version", "created_at")
    list_filter: ClassVar[tuple[str, ...]] = ("state",)
    list_select_related: ClassVar[tuple[str, ...]] = ("case",)
    search_fields: ClassVar[tuple[str, ...]] = ("case__number",)
    readonly_fields: ClassVar[tuple[str, ...]] = ("state", "version", "case_audit_trail")

    @admin.display(description=_("Audit trail"))
    def case_audit_trail(self, obj: Any) -> str:
        return audit_trail_link(f"case:{obj.case_id}")


@admin.register(Objection)
class ObjectionAdmin(StepAdmin):
    list_display = ("__str__", "case", "state", "outcome", "version", "created_at")
    list_filter = ("state", "outcome")


@admin.register(Rectification)
class RectificationAdmin(StepAdmin):
    list_display = ("__str__", "case", "state", "due_on", "version", "created_at")


@admin.register(Talk)
class TalkAdmin(StepAdmin):
    list_display = ("__str__", "case", "state", "kind", "organiser", "scheduled_for", "version")
    list_filter = ("state", "kind")
    list_select_related = ("case", "organiser")


@admin.register(MeasureTask)
class MeasureTaskAdmin(StepAdmin):
    list_display = ("__str__", "case", "state", "measure", "department", "version")
    list_filter = ("state", "department")
    list_select_related = ("case", "measure", "department")


@admin.register(RepairApplication)
class RepairApplicationAdmin(StepAdmin):
    pass


# --- evidence and the audit trail (strictly read-only) --------------------------------------


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ("original_name", "case", "content_type", "size", "sha256", "uploaded_by",
                    "uploaded_at")
    list_filter = ("content_type",)
    list_select_related = ("case", "uploaded_by")
    search_fields = ("=sha256", "case__number")


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("chain", "seq", "action", "object_type", "object_id", "from_state", "to_state",
                    "actor", "actor_department", "at")
    list_filter = ("action", "object_type", "to_state", "at")
    list_select_related = ("actor", "actor_department")
    # Exact chain ("case:12"), so that searching case 1 does not also list cases 10-19.
    search_fields = ("=chain",)
    ordering = ("chain", "seq")
    # The table only grows; skip the unfiltered COUNT(*) on every page.
    show_full_result_count = False


# The credit-check log's pages (a module of their own; they build on ReadOnlyAdmin above),
# and the accounts and API tokens (registered on import).
from casework import admin_accounts, admin_credit_checks  # noqa: E402, F401, I001

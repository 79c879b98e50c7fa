"""``/api/v1/oversight/``: dashboard, drill-downs, assessment and 督办, for the province's platform.

The figures are read by whoever reads every case (the leadership office, administrators,
system clients with the ``cases_read`` scope). The leadership office's only write is a
督办意见; the chased department's staff answer it. Refusals are 422 naming the rule.
"""

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.access import is_department_staff, reads_all
from casework.api.serializers.common import ErrorSerializer, text
from casework.choices import Role
from casework.models import Department, EscalationNote
from casework.models.oversight import ESCALATION_NOTE_MAX
from documents.choices import DocumentKind
from documents.models import Document
from documents.services import pdf_of
from oversight import circular, dashboard, services
from oversight.assessment import Assessment, Period, StepFigures, assess, ranking
from oversight.choices import AgeBucket, Stage
from oversight.clocks import STATUSES, Horizon, selection
from workflows.models import Deadline

ERRORS = {code: ErrorSerializer for code in (400, 401, 403, 404)}
WRITE_ERRORS = {**ERRORS, 422: ErrorSerializer}


class ReadsOversight(BasePermission):
    message = "The oversight figures are for the leadership office and readers of every case."

    def has_permission(self, request: Any, view: Any) -> bool:
        return reads_all(request.user)


class LeadershipOffice(BasePermission):
    message = "The monthly 通报 is the leadership office's own document."

    def has_permission(self, request: Any, view: Any) -> bool:
        return circular.is_leadership_office(request.user)


# --- serializers -----------------------------------------------------------------------


class CellSerializer(serializers.Serializer):
    department = serializers.CharField(help_text="Department code.")
    stage = serializers.ChoiceField(choices=Stage.choices)
    open = serializers.IntegerField()
    overdue = serializers.IntegerField()
    soon = serializers.IntegerField(help_text="Running, due within 3 working days.")
    paused = serializers.IntegerField(help_text="Paused (an objection is open): open, never overdue.")
    ages = serializers.DictField(child=serializers.IntegerField(),
                                 help_text="Overdue by working days past due: 1-2, 3-5, 6-10, 10+.")


class WeekSerializer(serializers.Serializer):
    starts = serializers.DateField()
    overdue_at_end = serializers.IntegerField()
    breaches = serializers.IntegerField()
    leadership = serializers.IntegerField()
    computed_at = serializers.DateTimeField(help_text="When the week's figures were read: a finished "
                                                      "week is kept as first computed; this week is live.")


class EscalationCountSerializer(serializers.Serializer):
    department = serializers.CharField(allow_null=True)
    rung = serializers.CharField()
    count = serializers.IntegerField()


class DepartmentRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()


class DashboardSerializer(serializers.Serializer):
    computed_at = serializers.DateTimeField()
    lag_seconds = serializers.IntegerField(help_text="Age of the figures of this week: 0, they are read live "
                                                     "(finished weeks of the trend: see computed_at).")
    departments = DepartmentRefSerializer(many=True)
    cells = CellSerializer(many=True)
    escalations_since = serializers.DateTimeField()
    escalations = EscalationCountSerializer(many=True)
    trend = WeekSerializer(many=True)


def dashboard_data(board: dashboard.Dashboard) -> dict[str, Any]:
    codes = {department.pk: department.code for department in board.departments}
    cells = [{"department": codes[pk], "stage": stage, "open": cell.open, "overdue": cell.overdue,
              "soon": cell.soon, "paused": cell.paused, "ages": cell.ages}
             for (pk, stage), cell in sorted(board.cells.items()) if pk in codes]
    escalations = [{"department": codes.get(pk) if pk else None, "rung": rung, "count": n}
                   for (pk, rung), n in sorted(board.escalations.items(), key=str)]
    return {
        "computed_at": board.horizon.now, "lag_seconds": 0,
        "departments": [{"code": d.code, "name": d.name, "kind": d.kind} for d in board.departments],
        "cells": cells, "escalations_since": board.week_starts, "escalations": escalations,
        "trend": [{"starts": week.starts.date(), "overdue_at_end": week.overdue_at_end,
                   "breaches": week.breaches, "leadership": week.leadership,
                   "computed_at": week.computed_at} for week in board.trend],
    }


class ClockSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.number")
    department = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Deadline
        fields = ["id", "case", "case_number", "department", "step", "party", "state", "started_on",
                  "due_on", "due_at", "escalation_level"]


class ClockFilter(serializers.Serializer):
    status = serializers.ChoiceField(choices=STATUSES, default="overdue")
    department = serializers.SlugField(max_length=40, required=False)
    stage = serializers.ChoiceField(choices=Stage.choices, required=False)
    age = serializers.ChoiceField(choices=AgeBucket.choices, required=False)


class FiguresSerializer(serializers.Serializer):
    step = serializers.CharField()
    closed = serializers.IntegerField()
    on_time = serializers.IntegerField()
    on_time_rate = serializers.FloatField(allow_null=True)
    median_working_days = serializers.FloatField(allow_null=True)
    p90_working_days = serializers.FloatField(allow_null=True)


class AssessmentSerializer(serializers.Serializer):
    rank = serializers.IntegerField(help_text="1 = best on-time rate; 0: nothing closed in the period.")
    department = serializers.CharField()
    period = serializers.CharField()
    total = FiguresSerializer()
    steps = FiguresSerializer(many=True)
    objections_decided = serializers.IntegerField()
    objections_upheld = serializers.IntegerField()
    repairs = FiguresSerializer()
    measure_feedback = FiguresSerializer()
    notes_received = serializers.IntegerField()
    notes_answered = serializers.IntegerField()
    answer_median_working_days = serializers.FloatField(allow_null=True)


def figures_data(figures: StepFigures) -> dict[str, Any]:
    return {"step": figures.step, "closed": figures.closed, "on_time": figures.on_time,
            "on_time_rate": figures.on_time_rate, "median_working_days": figures.median_days,
            "p90_working_days": figures.p90_days}


def assessment_data(place: int, item: Assessment) -> dict[str, Any]:
    return {"rank": place, "department": item.department.code, "period": item.period.label,
            "total": figures_data(item.total()),
            "steps": [figures_data(f) for f in item.steps.values()],
            "objections_decided": item.objections_decided, "objections_upheld": item.objections_upheld,
            "repairs": figures_data(item.repairs), "measure_feedback": figures_data(item.measure_feedback),
            "notes_received": item.notes_received, "notes_answered": item.notes_answered,
            "answer_median_working_days": item.answer_median_days}


class AssessmentFilter(serializers.Serializer):
    month = serializers.RegexField(r"^\d{4}-(0[1-9]|1[0-2])$", required=False,
                                   help_text="YYYY-MM; default: the last full month.")
    department = serializers.SlugField(max_length=40, required=False)


def period_of(month: str | None, today: date) -> Period:
    if month:
        year, number = (int(part) for part in month.split("-"))
        return Period.month(year, number)
    first = today.replace(day=1)
    previous = date.fromordinal(first.toordinal() - 1)
    return Period.month(previous.year, previous.month)


class NoteSerializer(serializers.ModelSerializer):
    addressee = serializers.SlugRelatedField(slug_field="code", read_only=True)
    department = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    answer_text = serializers.CharField(source="answer.text", default=None, allow_null=True)
    answered_at = serializers.DateTimeField(source="answer.created_at", default=None, allow_null=True)

    class Meta:
        model = EscalationNote
        fields = ["id", "case", "addressee", "department", "text", "deadline_id", "overdue_count",
                  "created_at", "answer_text", "answered_at"]


class NoteTextSerializer(serializers.Serializer):
    text = text(max_length=ESCALATION_NOTE_MAX)


class CircularSerializer(serializers.ModelSerializer):
    class Meta:
        model = Document
        fields = ["id", "number", "title", "period", "language", "template_version", "sha256", "pdf_sha256",
                  "audit_event", "issued_at"]


MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


class CircularIssueSerializer(serializers.Serializer):
    month = serializers.RegexField(MONTH, help_text="YYYY-MM: a month that is over.")


# --- views -------------------------------------------------------------------------------


class DashboardView(APIView):
    permission_classes = [IsAuthenticated, ReadsOversight]

    @extend_schema(responses={200: DashboardSerializer, **ERRORS},
                   description="Open and overdue deadlines by department × stage, ageing in working days, "
                               "due within 3 working days, escalations this week, 12-week trend.")
    def get(self, request: Request) -> Response:
        return Response(DashboardSerializer(dashboard_data(dashboard.build())).data)


class ClockListView(generics.ListAPIView):
    permission_classes = [IsAuthenticated, ReadsOversight]
    serializer_class = ClockSerializer

    @extend_schema(parameters=[ClockFilter], responses={200: ClockSerializer(many=True), **ERRORS},
                   description="The deadlines behind one number of the dashboard, by due time.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Deadline]:
        if getattr(self, "swagger_fake_view", False):
            return Deadline.objects.none()
        query = ClockFilter(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        department = get_object_or_404(Department, code=data["department"]) if "department" in data else None
        return (selection(data["status"], Horizon.at(), stage=data.get("stage"),
                          department_id=department.pk if department else None, age=data.get("age"))
                .select_related("case", "department").order_by("due_at", "pk"))


class AssessmentView(APIView):
    permission_classes = [IsAuthenticated, ReadsOversight]

    @extend_schema(parameters=[AssessmentFilter], responses={200: AssessmentSerializer(many=True), **ERRORS},
                   description="Per department: on-time rate and handling time per step, objections "
                               "upheld, repairs within the limit, measure feedback, 督办 answered; ranked.")
    def get(self, request: Request) -> Response:
        query = AssessmentFilter(data=request.query_params)
        query.is_valid(raise_exception=True)
        period = period_of(query.validated_data.get("month"), timezone.localdate())
        departments = dashboard.tracked_departments()
        if "department" in query.validated_data:
            departments = [get_object_or_404(Department, code=query.validated_data["department"])]
        rows = [assessment_data(place, item) for place, item in ranking(assess(departments, period))]
        return Response(AssessmentSerializer(rows, many=True).data)


def notes_visible_to(user: Any) -> QuerySet[EscalationNote]:
    notes = EscalationNote.objects.select_related("addressee", "department", "answer")
    if reads_all(user):
        return notes
    if is_department_staff(user) or getattr(user, "role", None) == Role.JOINT:
        return notes.filter(addressee_id=user.department_id)
    return notes.none()


class NoteListView(generics.ListAPIView):
    serializer_class = NoteSerializer

    @extend_schema(responses={200: NoteSerializer(many=True), **ERRORS},
                   description="督办意见: all of them for the leadership office; those addressed to "
                               "its department for a department's staff. Newest first.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[EscalationNote]:
        if getattr(self, "swagger_fake_view", False):
            return EscalationNote.objects.none()
        return notes_visible_to(self.request.user).order_by("-created_at", "-pk")


class ChaseDepartmentView(APIView):
    @extend_schema(request=NoteTextSerializer, responses={201: NoteSerializer, **WRITE_ERRORS},
                   description="Leadership office only: a 督办意见 on every overdue deadline of the "
                               "department (refused when it has none).")
    def post(self, request: Request, code: str) -> Response:
        department = get_object_or_404(Department, code=code)
        incoming = NoteTextSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        note = services.chase_department(department, request.user, incoming.validated_data["text"])
        return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)


class AnswerNoteView(APIView):
    @extend_schema(request=NoteTextSerializer, responses={201: NoteSerializer, **WRITE_ERRORS},
                   description="The chased department's staff answer a 督办意见, once.")
    def post(self, request: Request, pk: int) -> Response:
        note = get_object_or_404(notes_visible_to(request.user), pk=pk)
        incoming = NoteTextSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        services.answer(note, request.user, incoming.validated_data["text"])
        note = EscalationNote.objects.select_related("answer").get(pk=note.pk)
        return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)


class CircularListView(APIView):
    permission_classes = [IsAuthenticated, LeadershipOffice]

    @extend_schema(responses={200: CircularSerializer(many=True), **ERRORS},
                   description="The monthly 通报 issued so far, newest month first (leadership office only).")
    def get(self, request: Request) -> Response:
        rows = Document.objects.filter(kind=DocumentKind.CIRCULAR).order_by("-period")
        return Response(CircularSerializer(rows, many=True).data)

    @extend_schema(request=CircularIssueSerializer,
                   responses={201: CircularSerializer, 200: CircularSerializer, **WRITE_ERRORS},
                   description="Issue the 通报 of a month that is over: 201 with the new document; 200 "
                               "with the same document when it was issued before (idempotent).")
    def post(self, request: Request) -> Response:
        incoming = CircularIssueSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            period = period_of(incoming.validated_data["month"], timezone.localdate())
        except ValueError as error:  # e.g. year 0
            raise ValidationError({"month": [_("Not a month of the calendar.")]}) from error
        issued = circular.issue(period, request.user)
        return Response(CircularSerializer(issued.document).data,
                        status=status.HTTP_201_CREATED if issued.created else status.HTTP_200_OK)


class CircularPdfView(APIView):
    permission_classes = [IsAuthenticated, LeadershipOffice]

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY), **ERRORS},
                   description="The PDF of a month's 通报 (404 while it is not issued).")
    def get(self, request: Request, month: str) -> HttpResponse:
        try:
            document = circular.issued(period_of(month, timezone.localdate()))
        except ValueError as error:  # e.g. year 0
            raise Http404 from error
        if document is None:
            raise Http404
        response = HttpResponse(pdf_of(document), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="circular-{document.period}.pdf"'
        return response


__all__ = ["AnswerNoteView", "AssessmentView", "ChaseDepartmentView", "CircularListView", "CircularPdfView",
           "ClockListView", "DashboardView",
           "NoteListView"]

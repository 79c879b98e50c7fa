"""The leadership office's pages: dashboard, drill-downs, assessment, the monthly report, exports.

Every page reads through the same functions as the API (oversight/dashboard.py,
assessment.py, clocks.py) and renders the rows of oversight/tables.py, so the page,
the API and the exported files show the same numbers. The pages only read; the one
write (督办意见) is in views_notes.py.
"""

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from casework.access import reads_all
from casework.models import Department
from documents.services import pdf_of
from oversight import circular, dashboard, exports, tables
from oversight.api import period_of
from oversight.assessment import Period, assess
from oversight.choices import AgeBucket, Stage
from oversight.clocks import OVERDUE, STATUSES, Horizon, selection
from workflows.guards import RuleRefused

PAGE_SIZE = 50


class ReadsOversightMixin(LoginRequiredMixin, UserPassesTestMixin):
    """The leadership office (and administrators) read every figure; nobody else."""

    def test_func(self) -> bool:
        return reads_all(self.request.user)  # type: ignore[attr-defined]


def clocks_link(status: str, department: Department | None = None, stage: str | None = None,
                age: str | None = None) -> str:
    query = {"status": status, **({"department": department.code} if department else {}),
             **({"stage": stage} if stage else {}), **({"age": age} if age else {})}
    return reverse("oversight:clocks") + "?" + urlencode(query)


def board_context(board: dashboard.Dashboard) -> dict[str, Any]:
    """Rows for the templates: each number with the link to the clocks behind it."""
    rows = []
    for department in board.departments:
        cells = [{"stage": stage, "cell": board.cell(department.pk, stage),
                  "open_link": clocks_link("open", department, stage),
                  "overdue_link": clocks_link(OVERDUE, department, stage)} for stage in dashboard.STAGES]
        total = board.department_total(department.pk)
        ages = [{"bucket": bucket, "count": total.ages[bucket],
                 "link": clocks_link(OVERDUE, department, age=bucket)} for bucket in dashboard.BUCKETS]
        rows.append({"department": department, "cells": cells, "total": total, "ages": ages,
                     "soon_link": clocks_link("soon", department),
                     "paused_link": clocks_link("paused", department),
                     "overdue_link": clocks_link(OVERDUE, department),
                     "escalations": [board.escalated(department.pk, rung) for rung in dashboard.RUNGS]})
    stage_totals = [{"stage": stage, "cell": board.stage_total(stage),
                     "link": clocks_link(OVERDUE, stage=stage)} for stage in dashboard.STAGES]
    return {"board": board, "rows": rows, "stage_totals": stage_totals, "city": board.city_total(),
            "stage_labels": [Stage(stage).label for stage in dashboard.STAGES],
            "bucket_labels": [AgeBucket(bucket).label for bucket in dashboard.BUCKETS],
            "rung_totals": [board.escalated(None, rung) for rung in dashboard.RUNGS],
            "city_ages": [{"count": board.city_total().ages[bucket], "link": clocks_link(OVERDUE, age=bucket)}
                          for bucket in dashboard.BUCKETS]}


class DashboardView(ReadsOversightMixin, TemplateView):
    template_name = "oversight/dashboard.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), **board_context(dashboard.build())}


class BoardRowsView(DashboardView):
    """The figures alone: the page fetches them again when a deadline changes state (live)."""

    template_name = "oversight/includes/board.html"


class ClockListView(ReadsOversightMixin, TemplateView):
    """The clocks behind one number of the dashboard, soonest due first, 50 a page."""

    template_name = "oversight/clocks.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        params = self.request.GET
        status = params.get("status", OVERDUE)
        if status not in STATUSES:
            raise Http404
        stage = params.get("stage") if params.get("stage") in Stage.values else None
        age = params.get("age") if params.get("age") in AgeBucket.values else None
        department = (get_object_or_404(Department, code=params["department"]) if params.get("department")
                      else None)
        rows = selection(status, Horizon.at(), stage=stage, age=age,
                         department_id=department.pk if department else None)
        page = max(int(params.get("page", "1")) if params.get("page", "1").isdigit() else 1, 1)
        start = (page - 1) * PAGE_SIZE
        ordered = rows.select_related("case", "department").order_by("due_at", "pk")
        fetched = list(ordered[start:start + PAGE_SIZE + 1])
        return {**super().get_context_data(**kwargs), "clocks": fetched[:PAGE_SIZE], "total": rows.count(),
                "status": status, "stage": stage, "age": age, "department": department, "page": page,
                "next_page": page + 1 if len(fetched) > PAGE_SIZE else None,
                "previous_page": page - 1 if page > 1 else None,
                "stage_label": Stage(stage).label if stage else "",
                "age_label": AgeBucket(age).label if age else "",
                "query": params.urlencode()}


def requested_period(request: HttpRequest) -> Period:
    return period_named(request.GET.get("month", ""))


def period_named(month: str) -> Period:
    try:
        return period_of(month if len(month) == 7 else None, timezone.localdate())
    except ValueError as error:
        raise Http404 from error


def months_back(today: date, count: int = 12) -> list[str]:
    months, year, month = [], today.year, today.month
    for _month in range(count):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        months.append(f"{year:04d}-{month:02d}")
    return months


class AssessmentView(ReadsOversightMixin, TemplateView):
    template_name = "oversight/assessment.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        period = requested_period(self.request)
        items = assess(dashboard.tracked_departments(), period)
        return {**super().get_context_data(**kwargs), "period": period,
                "tables": tables.assessment_tables(items), "months": months_back(timezone.localdate()),
                "month": period.label}


class ReportView(AssessmentView):
    """The monthly 通报, laid out for print (A4; the browser's print dialog makes the PDF)."""

    template_name = "oversight/report.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        board = dashboard.build()
        period = context["period"]
        return {**context, "board_tables": tables.dashboard_tables(board), "generated_at": timezone.now(),
                "circular": circular.issued(period),
                "can_issue": circular.is_leadership_office(self.request.user)
                and period.ends <= timezone.localdate()}


class CircularView(ReadsOversightMixin, View):
    """``/oversight/report/circular.pdf?month=YYYY-MM``: the month's 通报 as an official document.

    GET: its PDF (404 while it is not issued); POST: issue it (oversight.circular.issue:
    idempotent, the same document when issued again) and go back to the month's report page,
    which says it was issued and links its PDF (a redirect straight to the download would leave
    the page as it was and show the message on whatever page came next). The leadership
    office's staff only; anyone else gets 403 (and the document is not theirs to see in
    the documents API either: 404).
    """

    def test_func(self) -> bool:
        return circular.is_leadership_office(self.request.user)

    def get(self, request: HttpRequest) -> HttpResponse:
        document = circular.issued(requested_period(request))
        if document is None:
            raise Http404
        response = HttpResponse(pdf_of(document), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="circular-{document.period}.pdf"'
        response["X-Content-SHA256"] = document.pdf_sha256
        return response

    def post(self, request: HttpRequest) -> HttpResponse:
        period = period_named(request.POST.get("month", ""))
        try:
            issued = circular.issue(period, request.user)
        except RuleRefused as refusal:
            messages.error(request, str(refusal.message))
            return redirect(reverse("oversight:report") + "?" + urlencode({"month": period.label}))
        if issued.created:
            messages.success(request, _("The 通报 %(number)s has been issued.")
                             % {"number": issued.document.number})
        return redirect(reverse("oversight:report") + "?" + urlencode({"month": period.label}))


EXPORTS = ("dashboard", "grid", "ageing", "escalations", "trend", "assessment", "ranking", "steps",
           "measures", "report", "clocks")


class ExportView(ReadsOversightMixin, View):
    """``/oversight/export/<table>.<xlsx|csv>``: a table, or a whole page (xlsx: one sheet per table)."""

    def get(self, request: HttpRequest, name: str, fmt: str) -> HttpResponse:
        if name not in EXPORTS or fmt not in ("xlsx", "csv"):
            raise Http404
        chosen = self.tables_of(name, request)
        filename = f"{name}-{timezone.localdate():%Y%m%d}.{fmt}"
        if fmt == "xlsx":
            return exports.xlsx_response(chosen, filename)
        if len(chosen) != 1:
            raise Http404  # a CSV holds one table
        return exports.csv_response(chosen[0], filename)

    def tables_of(self, name: str, request: HttpRequest) -> list[tables.Table]:
        if name == "clocks":
            view = ClockListView(request=request, kwargs={})
            context = view.get_context_data()
            rows = selection(context["status"], Horizon.at(), stage=context["stage"], age=context["age"],
                             department_id=context["department"].pk if context["department"] else None)
            return [tables.clock_list(rows, _("Deadlines"))]
        if name in ("dashboard", "grid", "ageing", "escalations", "trend"):
            board_tables = tables.dashboard_tables(dashboard.build())
            return board_tables if name == "dashboard" else [t for t in board_tables if t.name == name]
        items = assess(dashboard.tracked_departments(), requested_period(request))
        chosen = tables.assessment_tables(items)
        if name == "report":
            return tables.dashboard_tables(dashboard.build()) + chosen
        return chosen if name == "assessment" else [t for t in chosen if t.name == name]

"""The monthly 通报 (circular) of the leadership office, issued as an official document.

鞍政办发〔2020〕18号 items 16 and 19: the leadership office tracks the progress of the work
and assesses the departments; once a month it circulates the result. The circular is a
``documents.Document`` of kind ``circular`` — about no case, served on no subject —
numbered from the office's own counter (``<code>〔<year>〕通报<n>号``), its text of record
rendered from the office's editable template (``DocumentTemplate``, shipped in
documents/texts/<language>/circular.html), checksummed and audited on the office's chain.

Its content is the month's assessment (``oversight.assessment.assess`` and ``ranking``, the
same figures as the assessment page and the API) and the overdue figures of the month: the
clocks overdue at the month's end (open or closed after it, past due then; a clock paused now
is left out, as in the dashboard's trend, since past pauses are not kept) and the clocks closed
late in the month.

One circular per month: issuing again returns the document issued first (idempotent; the
office's counter row is locked while one is issued, and a unique constraint on (kind, period)
backs it). A month is circulated once it is over.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework import audit
from casework.choices import Role
from documents.choices import DocumentKind
from documents.models import Document
from documents.render import render_html, sha256
from documents.services import locked_counter, next_number, template_for
from oversight.assessment import Assessment, Period, StepFigures, assess, ranking
from oversight.clocks import serial_reads, tracked
from oversight.dashboard import tracked_departments
from workflows.choices import DeadlineState
from workflows.guards import RuleRefused

CIRCULAR_ISSUED = "circular_issued"


@dataclass(frozen=True)
class Issued:
    document: Document
    created: bool  # False: the month's circular had been issued already (this is that one)


def is_leadership_office(user: Any) -> bool:
    """The leadership office's own staff (not administrators, not system clients)."""
    return getattr(user, "role", None) == Role.LEADERSHIP and bool(getattr(user, "department_id", None))


def issued(period: Period) -> Document | None:
    return Document.objects.filter(kind=DocumentKind.CIRCULAR, period=period.label).first()


def issue(period: Period, actor: Any) -> Issued:
    """The month's circular: issued now if it is not yet, else the one issued before."""
    if not is_leadership_office(actor):
        raise RuleRefused("leadership_office_only",
                          _("Only the leadership office issues the monthly 通报."))
    if period.ends > timezone.localdate():
        raise RuleRefused("circular_month_not_over",
                          _("A month's 通报 is issued once the month is over."))
    existing = issued(period)
    if existing is not None:
        return Issued(existing, False)
    try:
        with transaction.atomic():
            locked_counter(actor.department)  # issuers of the office wait here, one after the other
            existing = issued(period)
            if existing is not None:
                return Issued(existing, False)
            return Issued(_issue(period, actor), True)
    except IntegrityError:
        # Another department with the leadership role issued it meanwhile (the constraint held).
        existing = issued(period)
        if existing is None:
            raise
        return Issued(existing, False)


def _issue(period: Period, actor: Any) -> Document:
    issuer = actor.department
    template = template_for(DocumentKind.CIRCULAR)
    number = next_number(issuer, DocumentKind.CIRCULAR)
    content = facts(period)
    header = {"number": number, "department": issuer.name, "issued_on": timezone.localdate(),
              "period": content["period"]}
    html = render_html(template, {**content, **header}, header)
    digest = sha256(html)
    event = audit.append(obj=issuer, action=CIRCULAR_ISSUED, actor=actor, case=None, department=issuer,
                         payload={"number": number, "period": period.label, "sha256": digest,
                                  "template_version": template.version})
    return Document.objects.create(
        kind=DocumentKind.CIRCULAR, period=period.label, number=number, title=template.title,
        language=template.language, template_version=template.version, html=html, sha256=digest,
        audit_event=event,
    )


def overdue_at_end(period: Period) -> dict[int, int]:
    """Per department, the tracked clocks overdue at the month's end (its last instant)."""
    moment = period.bounds()[1]
    due_by_then = tracked().filter(opened_at__lte=moment, due_at__lte=moment)
    # Two reads, added up: those still open (index deadline_open_tracked) and those closed
    # after the month's end and after their due time (deadline_closed_late). As one query with
    # an OR, PostgreSQL ORed two bitmaps, one of them of every open clock (the partial index
    # deadline_open_by_state), and rechecked the heap: 3.8 s on a city of 1 000 000 cases,
    # against 0.15 s for the two reads.
    still_open = due_by_then.filter(closed_at__isnull=True).exclude(state=DeadlineState.PAUSED)
    closed_after = due_by_then.filter(closed_at__gt=moment).filter(closed_at__gt=F("due_at"))
    counts: dict[int, int] = {}
    for part in (still_open, closed_after):
        for row in part.values("department_id").annotate(n=Count("*")).order_by():
            counts[row["department_id"]] = counts.get(row["department_id"], 0) + row["n"]
    return counts


def one_decimal(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def percent(figures: StepFigures) -> str:
    return "—" if figures.on_time_rate is None else f"{figures.on_time_rate * 100:.1f}"


def facts(period: Period) -> dict[str, Any]:
    """What the circular's template sees: the ranking, the overdue figures and their totals."""
    departments = tracked_departments()
    with serial_reads():
        items = assess(departments, period)
        overdue = overdue_at_end(period)
    ranked = ranking(items)
    city = StepFigures("all")
    for item in items:
        total = item.total()
        city.closed += total.closed
        city.on_time += total.on_time
    return {
        "period": {"label": period.label, "year": period.starts.year, "month": period.starts.month,
                   "starts": period.starts, "last_day": period.ends - timedelta(days=1)},
        "ranking": [row(place, item) for place, item in ranked if place],
        "unranked": [item.department.name for place, item in ranked if not place],
        "overdue": [{"department": item.department.name, "overdue": overdue.get(item.department.pk, 0),
                     "late": item.total().closed - item.total().on_time} for item in items],
        "overdue_total": sum(overdue.get(department.pk, 0) for department in departments),
        "late_total": city.closed - city.on_time,
        "totals": {"closed": city.closed, "on_time": city.on_time, "rate": percent(city),
                   "objections_decided": sum(item.objections_decided for item in items),
                   "objections_upheld": sum(item.objections_upheld for item in items),
                   "notes_received": sum(item.notes_received for item in items),
                   "notes_answered": sum(item.notes_answered for item in items)},
        "read_at": timezone.localtime(),
    }


def row(place: int, item: Assessment) -> dict[str, Any]:
    total = item.total()
    return {"place": place, "department": item.department.name, "closed": total.closed,
            "on_time": total.on_time, "rate": percent(total), "median": one_decimal(total.median_days),
            "p90": one_decimal(total.p90_days), "objections_decided": item.objections_decided,
            "objections_upheld": item.objections_upheld, "notes_received": item.notes_received,
            "notes_answered": item.notes_answered}

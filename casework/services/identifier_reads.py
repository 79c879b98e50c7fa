"""Recording unmasked reads of natural persons' identifiers (casework.models.IdentifierRead).

Callers that hand out a citizen identity number whole call :func:`record` (one subject) or
:func:`record_many` (an export's chunk). Inside a request, :class:`IdentifierReadsMiddleware`
collects the reads and writes them in one INSERT after the view, with the view's name as
the reason and the path and request id; a list page of fifty rows costs one statement, not
fifty. Outside a request (a command, a task, a streamed export's body) the rows are written
at once, with the reason the caller names. A read is recorded once per request for each
reader, subject and reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponseBase

from casework.choices import SubjectKind
from casework.models.identifier_reads import PURPOSE_MAX, IdentifierRead
from operations.requests import current_request_id

# (reader id, reader's department id, subject id, reason) collected during one request.
Key = tuple[int | None, int | None, int, str]
_pending: ContextVar[dict[Key, None] | None] = ContextVar("identifier_reads", default=None)


def _reader(viewer: Any) -> tuple[int | None, int | None]:
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return None, None
    return viewer.pk, getattr(viewer, "department_id", None)


def record(viewer: Any, subject: Any, purpose: str = "") -> None:
    """``viewer`` was shown ``subject``'s whole number (only natural persons are recorded)."""
    if subject.kind != SubjectKind.NATURAL_PERSON:
        return
    record_many(viewer, [subject.pk], purpose)


def record_many(viewer: Any, subject_ids: Iterable[int], purpose: str = "") -> None:
    """Natural persons among ``subject_ids`` had their numbers read by ``viewer``."""
    reader_id, department_id = _reader(viewer)
    keys = [(reader_id, department_id, subject_id, purpose) for subject_id in subject_ids]
    if not keys:
        return
    pending = _pending.get()
    if pending is not None:
        pending.update(dict.fromkeys(keys))
        return
    _write(keys, path="", request_id=current_request_id.get())


def _write(keys: Iterable[Key], *, path: str, request_id: str, view: str = "") -> None:
    rows = [
        IdentifierRead(read_by_id=reader_id, department_id=department_id, subject_id=subject_id,
                       purpose=(purpose or view or "unnamed")[:PURPOSE_MAX], path=path[:PURPOSE_MAX],
                       request_id=request_id[:64])
        for reader_id, department_id, subject_id, purpose in keys
    ]
    if rows:
        IdentifierRead.objects.bulk_create(rows)


def natural_person_ids(subjects: Iterable[Any]) -> list[int]:
    return [subject.pk for subject in subjects if subject.kind == SubjectKind.NATURAL_PERSON]


class IdentifierReadsMiddleware:
    """Collects a request's unmasked reads and writes them after the view, named by the view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        pending: dict[Key, None] = {}
        token = _pending.set(pending)
        try:
            response = self.get_response(request)
        finally:
            _pending.reset(token)
        if pending:
            match = getattr(request, "resolver_match", None)
            view = (match.view_name if match else "") or "unmatched"
            _write(pending, path=request.path, request_id=current_request_id.get(), view=view)
        return response

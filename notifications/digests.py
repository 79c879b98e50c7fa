"""The staff notices of a list import: one digest per department and chunk, not one per case.

A chunk of an import records up to 500 cases; each would tell its owner department three
times (the case opened, its determination recorded, each measure task pushed) and each joint
department once per measure task. A list imported all at once is one act of the owner
department, known to it: its staff hear of it as one message per chunk naming how many cases
it recorded (their first and last numbers) and how many measure tasks it pushed, and each
joint department as one message per chunk naming how many tasks of each measure it received
(the tasks themselves, each with its acknowledgement clock, are on its task list). Legal
notices (to the subject) are never gathered: each stays a message of its own case; so are
notices to any other audience, and every notice of a step taken after the import.

``Digest`` gathers; ``gathering(digest)`` makes ``notifications.services.on_transition``
gather into it (the per-case path of the import), the batch door gathers into it directly
(``casework.services.batch``), and ``Digest.write()`` writes the messages and their
deliveries in the chunk's transaction. Both paths write the same rows.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from notifications.choices import Audience
from notifications.notices import Notice

# The events of a recorded determination whose staff notices an import gathers.
DIGESTED_EVENTS = frozenset({("case", "created"), ("case", "record_determination"),
                             ("measuretask", "created")})
DIGESTED_AUDIENCES = (Audience.OWNER, Audience.JOINT)
DIGEST_TEMPLATE = "import_digest"
DIGEST_EVENT = "import.digest"

_current: ContextVar["Digest | None"] = ContextVar("import_digest", default=None)


@dataclass
class Gathered:
    """What one department's digest says so far."""

    department: Any  # casework.models.Department
    cases: dict[int, str] = field(default_factory=dict)  # case id → number, in order
    measures: dict[str, int] = field(default_factory=dict)  # measure title → tasks


@dataclass
class Digest:
    """The gathered staff notices of one chunk of an import (``batch``: its ImportBatch id)."""

    batch_id: int | None = None
    groups: dict[tuple[str, int], Gathered] = field(default_factory=dict)

    def takes(self, model_name: str, event_name: str, notice: Notice) -> bool:
        return (not notice.legal and notice.audience in DIGESTED_AUDIENCES
                and (model_name, event_name) in DIGESTED_EVENTS)

    def gather(self, model_name: str, event: Any, notice: Notice) -> bool:
        """Whether the digest takes a transition's notice (``event``: a casework.hooks
        TransitionEvent), gathered here if it does: to the owner department, or to the
        department of the step (a measure task's joint department)."""
        if not self.takes(model_name, event.name, notice):
            return False
        department = (event.case.owner_department if notice.audience == Audience.OWNER
                      else getattr(event.obj, "department", None))
        measure = getattr(event.obj, "measure", None) if model_name == "measuretask" else None
        self.add(notice, department, event.case.pk, event.case.number,
                 measure.title if measure is not None else None)
        return True

    def add(self, notice: Notice, department: Any, case_id: int, case_number: str,
            measure: str | None) -> None:
        """One gathered notice: of a case, and of a measure task when ``measure`` names it."""
        if department is None:
            return
        group = self.groups.get((notice.audience, department.pk))
        if group is None:
            group = self.groups[(notice.audience, department.pk)] = Gathered(department)
        group.cases.setdefault(case_id, case_number)
        if measure is not None:
            group.measures[measure] = group.measures.get(measure, 0) + 1

    def mark(self) -> dict[tuple[str, int], tuple[int, dict[str, int]]]:
        """Where the digest stands (to drop what a row rolled back adds: ``rollback``)."""
        return {key: (len(group.cases), dict(group.measures)) for key, group in self.groups.items()}

    def rollback(self, mark: dict[tuple[str, int], tuple[int, dict[str, int]]]) -> None:
        for key in list(self.groups):
            if key not in mark:
                del self.groups[key]
                continue
            count, measures = mark[key]
            group = self.groups[key]
            for case_id in list(group.cases)[count:]:
                del group.cases[case_id]
            group.measures = measures

    def write(self) -> list[Any]:
        """The digests' messages and deliveries, in the caller's transaction (the chunk's);
        their delivery queued after its commit. The digest is empty after."""
        from notifications.services import Outgoing, enqueue_after_commit, resolve_department, write_outbox

        outgoing = []
        for (audience, _department_id), group in sorted(self.groups.items(),
                                                         key=lambda item: (item[0][0] != Audience.OWNER,
                                                                           item[0][1])):
            if not group.cases:
                continue
            numbers = list(group.cases.values())
            first_case = next(iter(group.cases))
            context = {
                "event": DIGEST_EVENT, "department": group.department.name,
                "cases": len(numbers), "first_number": numbers[0], "last_number": numbers[-1],
                "tasks": sum(group.measures.values()),
                "measures": [{"measure": title, "count": count}
                             for title, count in sorted(group.measures.items())],
                "batch": self.batch_id, "link": digest_link(audience),
            }
            key = f"import-digest:{self.batch_id or 0}:{first_case}:{audience}:{group.department.pk}"
            outgoing.append(Outgoing(key, Notice(audience, DIGEST_TEMPLATE),
                                     resolve_department(group.department), context, None))
        self.groups = {}
        written = write_outbox(outgoing)
        enqueue_after_commit([message.pk for message in written])
        return written


def digest_link(audience: str) -> str:
    """The page the digest's recipients open: the owner's case list, the joint's task list."""
    page = "tasks" if audience == Audience.JOINT else "cases"
    return f"{settings.SITE_URL.rstrip('/')}/{page}/"


def current() -> Digest | None:
    """The digest ``on_transition`` gathers into, if any."""
    return _current.get()


@contextmanager
def gathering(digest: Digest) -> Iterator[Digest]:
    """While inside, ``on_transition`` gathers the digested notices into ``digest``."""
    token = _current.set(digest)
    try:
        yield digest
    finally:
        _current.reset(token)

"""The notices of the batch door's events (``notifications.services.on_transition``): a
notice's context rendered once per event shape (``transition_context``), each message
setting its own row's keys; the recipients read once per audience and department, the
deliveries planned once per audience, department and legal flag."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

from casework.hooks import TransitionEvent
from casework.models import Case
from casework.services.batch import bulk
from casework.services.batch.chain import canonical, quote
from casework.services.batch.clocks import Clock
from casework.services.batch.rows import Event

# The audiences the batch addresses itself (the owner department, a task's joint department).
AUDIENCES = ("owner", "joint")
# What notifications.services.transition_context says of one event: the keys naming the row
# (its object, case, subject, moment and link) and the rest, the same for every event of one
# shape (model, transition, states, actor, the object's details, its clocks).
ROW_KEYS = ("object_id", "case_id", "case_number", "subject", "at", "link")
SHAPE_KEYS = ("event", "model", "app", "transition", "source", "target", "owner_department",
              "actor", "deadline", "deadlines", "details", "documents")
# The relations details_of names (a step's measure, department, organisers).
DETAIL_RELATIONS = ("measure", "department", "organiser", "co_organiser")
DETAIL_NAMES: dict[str, tuple[str, ...]] = {}  # model → the DETAIL_FIELDS it has
RELATED_NAMES: dict[str, tuple[str, ...]] = {}  # model → the DETAIL_RELATIONS' id attnames it has
MESSAGE_FILLED = ("id", "key", "event", "template", "audience", "legal", "case_id",
                  "department_id", "context")
DELIVERY_OWN = ("id", "message_id", "key", "next_attempt_at")


@dataclass
class Shape:
    """What a notice says of every event of one shape; each message adds its row's keys."""

    context: dict[str, Any]
    texts: dict[str, tuple[bool, str]]  # audience → (says its own link, the JSON after the row's keys)


def delivery_filled() -> tuple[str, ...]:
    from notifications.models import Delivery

    return bulk.filled(Delivery, *DELIVERY_OWN)


@dataclass
class Notices:
    """The notices of one batch, and what it reads or renders once for them."""

    actor: Any
    shapes: dict[tuple[Any, ...], Shape] = field(default_factory=dict)
    # notice → its message columns, prepared
    notices: dict[Any, tuple[Any, ...]] = field(default_factory=dict)
    recipients: dict[tuple[str, int], tuple[Any, dict[int, Any]]] = field(default_factory=dict)
    deliveries: dict[tuple[str, int, bool], list[tuple[str, tuple[Any, ...]]]] = field(default_factory=dict)

    def shape(self, obj: Any, template: Any, case: Case, model_name: str, name: str, source: str,
              target: str, at: datetime, clocks: list[Clock]) -> Shape:
        """transition_context for every event of one shape, rendered once (``template``: the
        model instance standing for ``obj``, a task's template instance)."""
        names = DETAIL_NAMES.get(model_name)
        if names is None:
            from notifications.services import DETAIL_FIELDS

            names = DETAIL_NAMES[model_name] = tuple(
                field for field in DETAIL_FIELDS if hasattr(template, field))
            RELATED_NAMES[model_name] = tuple(
                f"{relation}_id" for relation in DETAIL_RELATIONS if hasattr(template, f"{relation}_id"))
        details = tuple(getattr(obj, field) for field in names) if template is obj else ()
        # The relations' ids the template has (those it has not read as None, as getattr's default).
        related = tuple(getattr(template, name) for name in RELATED_NAMES[model_name])
        key = (model_name, name, source, target, details, related, case.owner_department_id,
               tuple(id(clock) for clock in clocks))
        shape = self.shapes.get(key)
        if shape is None:
            from notifications.services import transition_context

            event = TransitionEvent(template, case, name, source, target, self.actor, {}, at)
            context = transition_context(event, deadlines=[clock.facts for clock in clocks])
            if set(context) != {*ROW_KEYS, *SHAPE_KEYS}:
                raise RuntimeError(f"transition_context says {sorted(context)}: "
                                   "casework.services.batch.notices.ROW_KEYS/SHAPE_KEYS must name each key")
            shape = self.shapes[key] = Shape(context, {})
        return shape

    def write(self, events: list[Event], now: datetime, digest: Any = None) -> None:
        """notifications.services.on_transition for every event: messages, then deliveries;
        the notices an import's ``digest`` takes gathered there instead (its own write)."""
        from notifications.choices import Audience
        from notifications.models import Delivery, Message
        from notifications.notices import notices_for
        from notifications.services import case_link, enqueue_after_commit

        planned = []
        for event in events:
            for notice in notices_for(event.model_name, event.name):
                if digest is not None and digest.takes(event.model_name, event.name, notice):
                    case = event.case
                    digest.add(notice, case.owner_department if notice.audience == Audience.OWNER
                               else event.department, case.pk, case.number, event.measure)
                    continue
                recipients, preferences = self._recipients(notice.audience, event)
                if recipients:
                    planned.append((event, notice, recipients, preferences))
        message_ids = bulk.reserve_ids(Message, len(planned))
        db = connections[DEFAULT_DB_ALIAS]
        deliveries: list[tuple[Any, ...]] = []

        def messages() -> Iterator[tuple[Any, ...]]:
            """The messages, made as the COPY sends them (the server stores the rows before)."""
            owns: tuple[Any, str, str] = (None, "", "")
            for pk, (event, notice, recipients, preferences) in zip(message_ids, planned, strict=True):
                if owns[0] is not event:  # the row's keys of the event's context, and its link
                    case = event.case
                    owns = (event, f'{{"object_id":{event.object_id},"case_id":{case.pk},'
                                   f'"case_number":{quote(case.number)},'
                                   f'"subject":{quote(case.subject.name)},'
                                   f'"at":{quote(event.at_text)},',
                            f'"link":{quote(case_link(case.pk))},')
                says_link, rest = self._text(event.shape, notice.audience)
                if notice not in self.notices:
                    self.notices[notice] = tuple(
                        field.get_db_prep_save(value, db) for field, value in zip(
                            bulk.fields_of(Message, ("template", "audience", "legal")),
                            (notice.template, notice.audience, notice.legal), strict=True))
                for suffix, values in self._deliveries(notice, recipients, preferences):
                    deliveries.append((pk, f"{pk}{suffix}", now, *values))
                yield (pk, f"audit:{event.row[0]}:{notice.audience}", event.shape.context["event"],
                       *self.notices[notice], event.case.pk,
                       recipients.department.pk if recipients.department is not None else None,
                       f"{owns[1]}{owns[2]}{rest}" if says_link else f"{owns[1]}{rest}")

        bulk.copy_rows(Message, MESSAGE_FILLED, messages())
        delivery_ids = bulk.reserve_ids(Delivery, len(deliveries))
        bulk.copy_rows(Delivery, delivery_filled(), (
            (pk, *delivery) for pk, delivery in zip(delivery_ids, deliveries, strict=True)))
        enqueue_after_commit(list(message_ids))

    def _text(self, shape: Shape, audience: str) -> tuple[bool, str]:
        """The JSON of the shape's context as ``audience`` reads it (context_for), without
        the row's keys; and whether the row's own link is one of them."""
        from notifications.services import context_for

        if audience not in shape.texts:
            context = context_for(audience, shape.context)
            says_link = context.get("link") == shape.context.get("link")
            rest = {name: value for name, value in context.items()
                    if name not in ROW_KEYS or (name == "link" and not says_link)}
            shape.texts[audience] = (says_link, canonical(rest)[1:])
        return shape.texts[audience]

    def _recipients(self, audience: str, event: Event) -> tuple[Any, dict[int, Any]]:
        """notifications.services.resolve, read once per audience and department."""
        from notifications.choices import Audience
        from notifications.services import preferences_of, staff_of

        addressed = (event.case.owner_department if Audience(audience) == Audience.OWNER
                     else event.department)
        if addressed is None:
            return staff_of([]), {}
        key = (audience, addressed.pk)
        if key not in self.recipients:
            recipients = staff_of([addressed])
            recipients.department = addressed
            preferences = recipients.preferences  # read with the staff (staff_of)
            self.recipients[key] = (recipients, preferences if preferences is not None
                                    else preferences_of(recipients.users))
        return self.recipients[key]

    def _deliveries(self, notice: Any, recipients: Any,
                    preferences: dict[int, Any]) -> list[tuple[str, tuple[Any, ...]]]:
        """planned_deliveries of one audience and department, once: each delivery's key
        after the message's id, and its columns after DELIVERY_OWN."""
        from notifications.models import Message
        from notifications.services import planned_deliveries

        department = recipients.department.pk if recipients.department is not None else 0
        key = (notice.audience, department, notice.legal)
        if key not in self.deliveries:
            probe = Message(pk=0, legal=notice.legal)
            self.deliveries[key] = [
                (delivery.key[1:], bulk.prepared(delivery, delivery_filled()[len(DELIVERY_OWN):]))
                for delivery in planned_deliveries(probe, recipients, preferences)
            ]
        return self.deliveries[key]

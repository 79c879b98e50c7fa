"""Routing and the outbox: which people and systems hear about a step, written in its transaction.

``on_transition`` is the casework ``notifications`` hook and ``on_escalations`` the
SLA sweep's escalation receiver; both run inside the caller's transaction, so a
rolled-back change leaves no message behind. Delivery is queued with
``transaction.on_commit``; if the broker is down the rows stay pending and the
periodic ``deliver_pending`` sends them.
"""

import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from casework import caches, fixed_sql
from casework.choices import DepartmentKind, Role
from casework.hooks import TransitionEvent
from casework.models import Case, CreditCheckAlert, Department, EscalationNote, User
from notifications import digests, dispatch
from notifications.choices import OPTIONAL_CHANNELS, Audience, Channel, DeliveryStatus
from notifications.models import Delivery, Message, Preference, WebhookEndpoint
from notifications.notices import CREDIT_CHECK_ALERT, ESCALATION_NOTICES, EXIT_HELD, Notice, notices_for
from workflows.choices import Step
from workflows.models import Deadline, DeadlineEvent, Escalation
from workflows.rectification import RectificationState

logger = logging.getLogger(__name__)


@dataclass
class Recipients:
    users: list[User] = field(default_factory=list)
    endpoints: list[WebhookEndpoint] = field(default_factory=list)
    department: Department | None = None
    # The users' notification preferences (user id → row; a user without one is absent), when
    # read with the users; None: not read, write_messages reads them.
    preferences: dict[int, Preference] | None = None

    def __bool__(self) -> bool:
        return bool(self.users or self.endpoints)


# --- routing ---------------------------------------------------------------------------------

def staff_of(departments: Iterable[Department | None], *, heads: bool | None = None) -> Recipients:
    """Active staff of the departments (optionally only heads or only non-heads) and their systems.

    From this process's cache (casework/caches.py: emptied when a user, department, endpoint
    or notification preference is saved, and after a minute): every step of a department's
    cases addresses them. Their preferences are read with them (the same query).
    """
    ids = tuple(sorted({department.pk for department in departments if department is not None}))

    def load() -> tuple[tuple[User, ...], tuple[WebhookEndpoint, ...], dict[int, Preference]]:
        if not ids:
            return (), (), {}
        # Fixed SQL (casework/fixed_sql.py), as the ORM's
        # User.objects.filter(department_id__in=ids, is_active=True).exclude(role=Role.SUBJECT)
        # [.filter(is_department_head=heads)].select_related("notification_preference").order_by("pk")
        # and WebhookEndpoint.objects.filter(department_id__in=ids, active=True) read them.
        marks = ", ".join(["%s"] * len(ids))
        found = tuple(_with_preferences(
            f"notifications.staff_of:{len(ids)}:{heads is not None}",
            partial(_users_statement, f"u.department_id IN ({marks}) AND u.is_active AND NOT (u.role = %s)"
                    + (" AND u.is_department_head = %s" if heads is not None else "")),
            [*ids, Role.SUBJECT, *([heads] if heads is not None else [])]))
        endpoints = (fixed_sql.select(WebhookEndpoint, f"active AND department_id IN ({marks})", ids)
                     if heads is None else [])
        return found, tuple(endpoints), preferences_read_with(found)

    users, endpoints, preferences = caches.department_recipients.get((ids, heads), load)
    return Recipients(list(users), list(endpoints), preferences=preferences)


def subject_accounts(case: Case) -> Recipients:
    """The subject's active accounts with their preferences: one fixed statement
    (casework/fixed_sql.py), as ``select_related("notification_preference")`` reads them."""
    users = _with_preferences("notifications.subject_accounts",
                              partial(_users_statement, "u.subject_id = %s AND u.is_active"),
                              [case.subject_id])
    return Recipients(users, preferences=preferences_read_with(users))


def _with_preferences(key: str, build: Any, params: list[Any]) -> list[User]:
    """The users of a fixed statement of ``_users_statement`` (casework/fixed_sql.py), each with its
    preference cached as ``select_related("notification_preference")`` caches it."""
    users = []
    for user, preference in fixed_sql.select_joined(key, build, params):
        assert isinstance(user, User)
        users.append(user)
        _PREFERENCE.set_cached_value(user, preference)
        if preference is not None:
            _PREFERENCE.field.set_cached_value(preference, user)
    return users


_PREFERENCE: Any = User._meta.get_field("notification_preference")


def _users_statement(where: str) -> tuple[str, fixed_sql.Reader]:
    """Users (``u``) LEFT JOIN their preferences (``p``) ``WHERE where``, by id."""
    parts = [(User, fixed_sql.columns(User), "u"), (Preference, fixed_sql.columns(Preference), "p")]
    q = fixed_sql.quoted
    sql = (f"SELECT {', '.join(fixed_sql.select_list(m, f, a) for m, f, a in parts)} "
           f"FROM {q(User._meta.db_table)} u LEFT JOIN {q(Preference._meta.db_table)} p "
           f"ON p.{q(Preference._meta.get_field('user').column)} = u.id "
           f"WHERE {where} ORDER BY u.id")
    return sql, fixed_sql.Reader(parts)


def preferences_read_with(users: Iterable[User]) -> dict[int, Preference]:
    """The preferences of users read with ``select_related("notification_preference")``."""
    found = {}
    for user in users:
        try:
            found[user.pk] = user.notification_preference
        except Preference.DoesNotExist:
            pass
    return found


def resolve(audience: str, case: Case | None, obj: Any = None,
            department: Department | None = None) -> Recipients:
    """The recipients of one audience of one step (or of an escalation of ``department``)."""
    if audience == Audience.SUBJECT:
        return subject_accounts(case) if case is not None else Recipients()
    addressed = {
        Audience.OWNER: case.owner_department if case is not None else None,
        Audience.JOINT: getattr(obj, "department", None),
        Audience.CO_ORGANISER: getattr(obj, "co_organiser", None),
        Audience.RESPONSIBLE: department,
        Audience.HEAD: department,
    }
    if audience == Audience.LEADERSHIP:
        return staff_of(Department.objects.filter(kind=DepartmentKind.LEADERSHIP, active=True))
    heads = {Audience.RESPONSIBLE: False, Audience.HEAD: True}.get(Audience(audience))
    recipients = staff_of([addressed[Audience(audience)]], heads=heads)
    recipients.department = addressed[Audience(audience)]
    return recipients


def resolve_department(department: Department) -> Recipients:
    """The staff of one department as a notice to it addresses them (an import's digest)."""
    recipients = staff_of([department])
    recipients.department = department
    return recipients


def channels_for(user: User, preference: Preference | None, legal: bool) -> list[str]:
    """In-app always; email and SMS where the user has an address, unless muted (legal: never muted)."""
    channels = [Channel.INAPP.value]
    if user.email:
        channels.append(Channel.EMAIL.value)
    if preference is not None and preference.phone:
        channels.append(Channel.SMS.value)
    if legal or preference is None:
        return channels
    return [c for c in channels if c not in OPTIONAL_CHANNELS or not preference.mutes(c)]


# --- the outbox ------------------------------------------------------------------------------

def write_message(key: str, notice: Notice, recipients: Recipients, context: dict[str, Any],
                  case: Case | None) -> Message | None:
    """One Message and its Delivery rows, in the caller's transaction; None when nobody is addressed."""
    written = write_messages([(key, notice, recipients)], context, case)
    return written[0] if written else None


def write_messages(notices: list[tuple[str, Notice, Recipients]], context: dict[str, Any],
                   case: Case | None) -> list[Message]:
    """The messages of one event (one per audience addressed) and their deliveries, in the
    caller's transaction (``write_outbox``)."""
    return write_outbox([Outgoing(key, notice, recipients, context, case)
                         for key, notice, recipients in notices])


@dataclass(frozen=True)
class Outgoing:
    key: str
    notice: Notice
    recipients: Recipients
    context: dict[str, Any]
    case: Case | None


def write_outbox(outgoing: list[Outgoing]) -> list[Message]:
    """Messages and their deliveries, in the caller's transaction: one read of the recipients'
    preferences, one insert of the messages, one of the deliveries, however many messages."""
    addressed = [row for row in outgoing if row.recipients]
    if not addressed:
        return []
    messages = fixed_sql.insert([
        Message(key=row.key, event=row.context["event"], template=row.notice.template,
                audience=row.notice.audience, legal=row.notice.legal, case=row.case,
                department=row.recipients.department, context=context_for(row.notice.audience, row.context))
        for row in addressed
    ])
    preferences: dict[int, Preference] = {}
    unread: set[int] = set()  # users whose preferences were not read with them
    for row in addressed:
        if row.recipients.preferences is None:
            unread.update(user.pk for user in row.recipients.users)
        else:
            preferences.update(row.recipients.preferences)
    if unread:
        preferences.update((preference.user_id, preference) for preference in
                           Preference.objects.filter(user__in=sorted(unread)))
    # Written, never read back: rows of values, no Delivery instances (fixed_sql.insert_values).
    fixed_sql.insert_values(Delivery, [
        delivery for message, row in zip(messages, addressed, strict=True)
        for delivery in delivery_rows(message, row.recipients, preferences)
    ])
    return messages


def planned_deliveries(message: Message, recipients: Recipients,
                       preferences: dict[int, Preference] | None = None) -> list[Delivery]:
    """The deliveries of one message, unsaved (``delivery_rows`` as instances)."""
    return [Delivery(message=message, **{name: value for name, value in row.items() if name != "message_id"})
            for row in delivery_rows(message, recipients, preferences)]


def delivery_rows(message: Message, recipients: Recipients,
                  preferences: dict[int, Preference] | None = None) -> list[dict[str, Any]]:
    """The deliveries of one message as their rows' values by attname (the other columns take
    their defaults): one per channel of each user, one per webhook endpoint."""
    now = timezone.now()
    if preferences is None:
        preferences = recipients.preferences
    if preferences is None:
        preferences = {preference.user_id: preference for preference in
                       Preference.objects.filter(user__in=[user.pk for user in recipients.users])}
    rows = [
        {"message_id": message.pk, "channel": channel, "recipient_id": user.pk, "next_attempt_at": now,
         "key": f"{message.pk}:{channel}:u{user.pk}"}
        for user in recipients.users
        for channel in channels_for(user, preferences.get(user.pk), message.legal)
    ]
    rows += [
        {"message_id": message.pk, "channel": Channel.WEBHOOK, "endpoint_id": endpoint.pk,
         "next_attempt_at": now, "key": f"{message.pk}:{Channel.WEBHOOK}:w{endpoint.pk}"}
        for endpoint in recipients.endpoints
    ]
    return rows


def preferences_of(users: Iterable[User]) -> dict[int, Preference]:
    return {preference.user_id: preference for preference in
            Preference.objects.filter(user__in=[user.pk for user in users])}


def enqueue_after_commit(message_ids: list[int]) -> None:
    if message_ids:
        transaction.on_commit(partial(enqueue, list(message_ids)), robust=True)


# One task per this many message ids: a transition's own messages (one to three) travel in one
# task, a sweep's digests or a retried backlog in a few, instead of one broker round trip each.
MESSAGES_PER_TASK = 100


def enqueue(message_ids: list[int]) -> None:
    """Queue delivery; a broker outage must not fail the committed change (deliver_pending catches up).

    On a Redis broker a commit's few messages (fewer than ``NOTIFICATIONS_MESSAGES_PER_TASK``:
    a transition's one to three) share one queued dispatch (notifications/dispatch.py): while
    one waits, the committed rows are its to send and nothing is published. A batch that size
    or larger (a sweep's digests, an import) goes as tasks of its ids, as on any broker, so
    that every worker takes a part instead of one dispatch sending it all.
    """
    from notifications.tasks import deliver_message, deliver_queued

    if not message_ids:
        return
    size = getattr(settings, "NOTIFICATIONS_MESSAGES_PER_TASK", MESSAGES_PER_TASK)
    if len(message_ids) < size and dispatch.queue_dispatch(deliver_queued, message_ids):
        return
    for start in range(0, len(message_ids), size):
        ids = list(message_ids[start:start + size])
        try:
            # argsrepr: the ids' range for the logs and monitors, not the repr of every id
            # (Celery's saferepr of a hundred ids was a third of the send's time).
            deliver_message.apply_async((ids,), retry=False, argsrepr=_ids_repr(ids))
        except Exception:
            logger.warning("Could not queue messages %s; deliver_pending will send them",
                           message_ids[start:], exc_info=True)
            return


def _ids_repr(ids: list[int]) -> str:
    """The task's arguments as its logs show them: a few ids as they are, more as their range."""
    if len(ids) <= 3:
        return repr((ids,))
    return f"([{ids[0]}, …, {ids[-1]}] ({len(ids)} ids),)"


# --- transitions ------------------------------------------------------------------------------

def on_transition(event: TransitionEvent) -> None:
    """casework.hooks ``notifications`` receiver."""
    model_name = event.obj._meta.model_name
    notices = notices_for(model_name, event.name)
    digest = digests.current()
    if digest is not None:
        notices = tuple(notice for notice in notices if not digest.gather(model_name, event, notice))
    if not notices:
        return
    context = transition_context(event)
    written = write_messages([(f"audit:{event.audit_event.pk}:{notice.audience}", notice,
                               resolve(notice.audience, event.case, event.obj)) for notice in notices],
                             context, event.case)
    enqueue_after_commit([message.pk for message in written])


def transition_context(event: TransitionEvent,
                       deadlines: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """What a notice says; ``deadlines`` are the object's open clocks (deadline_facts) when the
    caller holds them already (the batch import), else they are read."""
    case, obj = event.case, event.obj
    if deadlines is not None:
        pass
    elif isinstance(obj, EscalationNote):
        deadlines = chased_deadline_of(obj)
    elif "clocks" in event.extra:
        deadlines = clocks_of(event.extra["clocks"], obj)
    else:
        deadlines = open_deadlines_of(obj)
    return {
        "event": f"{obj._meta.model_name}.{event.name}", "model": obj._meta.model_name,
        "app": obj._meta.app_label,
        "transition": event.name, "source": event.source, "target": event.target,
        "object_id": obj.pk, "case_id": case.pk, "case_number": case.number,
        "subject": case.subject.name, "owner_department": case.owner_department.name,
        "actor": str(event.actor), "at": plain(event.at), "link": case_link(case.pk),
        "deadline": deadlines[0] if deadlines else None,
        "deadlines": {row["step"]: row for row in deadlines}, "details": details_of(obj, case),
        "documents": documents_of(event),
    }


def documents_of(event: TransitionEvent) -> list[dict[str, Any]]:
    """The official documents the transition issued, each with its link (documents/issue.py)."""
    base = settings.SITE_URL.rstrip("/")
    return [{"title": document["title"], "number": document["number"],
             "link": f"{base}{document['path']}"}
            for document in event.extra.get("documents", [])]


# A joint department and the talk's co-organiser may not open the case page (谁认定: the case is
# the owner department's); their messages link to the page of their own part of it.
AUDIENCE_PAGES = {Audience.JOINT: "tasks", Audience.CO_ORGANISER: "talks"}


def context_for(audience: str, context: dict[str, Any]) -> dict[str, Any]:
    """The event's context as one audience reads it: its ``link`` is a page its recipients can open."""
    page = AUDIENCE_PAGES.get(Audience(audience))
    if page is None or "link" not in context:
        return context
    return {**context, "link": f"{settings.SITE_URL.rstrip('/')}/{page}/", "link_page": page}


def case_link(case_id: int) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/cases/{case_id}/"


def open_deadlines_of(obj: models.Model) -> list[dict[str, Any]]:
    """The open clocks on the object (by opening order): what is due by when, and the rule."""
    rows = Deadline.objects.filter(
        target_type=ContentType.objects.get_for_model(obj), target_id=obj.pk, closed_at__isnull=True
    ).select_related("policy").order_by("pk")
    return [deadline_facts(deadline) for deadline in rows]


def clocks_of(clocks: list[Deadline], obj: models.Model) -> list[dict[str, Any]]:
    """``open_deadlines_of`` from the clocks the deadlines hook read, locked and changed in this
    transition (``event.extra["clocks"]``: the case's open clocks and those it opened), not
    read again. An effect that moves other steps drops that list (casework/services/effects.py)."""
    target_type = ContentType.objects.get_for_model(obj)  # cached by Django per process
    mine = [clock for clock in clocks if clock.target_type_id == target_type.pk
            and clock.target_id == obj.pk and clock.closed_at is None]
    return [deadline_facts(deadline) for deadline in sorted(mine, key=lambda clock: clock.pk)]


def chased_deadline_of(note: EscalationNote) -> list[dict[str, Any]]:
    """The clock a 督办意见 chases (none when it chases the case as a whole)."""
    if note.deadline_id is None or note.case_id is None:
        return []
    rows = Deadline.objects.filter(pk=note.deadline_id, case_id=note.case_id).select_related("policy")
    return [deadline_facts(deadline) for deadline in rows]


def deadline_facts(deadline: Deadline) -> dict[str, Any]:
    return {"step": deadline.step, "due_on": plain(deadline.due_on), "party": deadline.party,
            "length": deadline.length, "clock": deadline.policy.clock, "source": deadline.policy.source}


DETAIL_FIELDS = (
    "list_type", "statement_due_on", "listed_from", "listed_until", "publication_min_until",
    "exit_reason", "outcome", "decision_reason", "requirements", "due_on", "return_reason", "kind",
    "scheduled_for", "place", "reason", "termination_reason", "upheld_part", "revoking_decision",
    "reinstatement_reason", "false_material", "barred_until", "wrong_listing_grounds",
)


def details_of(obj: models.Model, case: Case) -> dict[str, Any]:
    details = {name: plain(getattr(obj, name)) for name in DETAIL_FIELDS if hasattr(obj, name)}
    for relation in ("measure", "department", "organiser", "co_organiser"):
        related = getattr(obj, relation, None)
        if related is not None and not isinstance(obj, Case):
            details[relation] = str(getattr(related, "title", related))
    if obj._meta.model_name == "talk":
        details["notice_rule"] = talk_notice_rule(case)
    if isinstance(obj, EscalationNote):
        details["text"] = obj.text
    return details


def talk_notice_rule(case: Case) -> dict[str, Any] | None:
    """约谈 notice period: at least the policy's working days before the talk."""
    from workflows.services import Context

    try:
        policy = Context(case).policy(Step.TALK_NOTICE, timezone.localdate())
    except Exception:  # no policy row: the notice text then omits the rule
        return None
    return {"length": policy.length, "source": policy.source}


def plain(value: Any) -> Any:
    """A JSON-safe value: local ISO date-times, ISO dates, text for the rest."""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, int | float | bool | str):
        return value
    return str(value)


# --- escalations ------------------------------------------------------------------------------

def on_escalations(escalations: list[Escalation]) -> None:
    """workflows.sweep receiver: one digest per (rung, department) of the sweep batch.

    A batch can fire hundreds of rungs for one department; one message listing them
    reaches people, hundreds do not. The key hashes the escalations' own unique keys,
    so the same rungs never produce a second digest. Set-based: one read of the
    departments, one of the keys already written, then ``write_outbox``'s three
    statements, however many departments the batch reaches.
    """
    groups: dict[tuple[str, int | None], list[Escalation]] = defaultdict(list)
    for escalation in escalations:
        department_id = escalation.department_id or escalation.deadline.case.owner_department_id
        groups[(escalation.rung, department_id)].append(escalation)
    planned = [(f"escalation:{escalation_digest(items)}:{notice.audience}", notice, office, items)
               for (rung, office), items in groups.items() for notice in ESCALATION_NOTICES.get(rung, ())]
    if not planned:
        return
    keys = [key for key, *_rest in planned]
    written = set(Message.objects.filter(key__in=keys).values_list("key", flat=True))
    departments = Department.objects.in_bulk({office for _key, _notice, office, _items in planned if office})
    contexts: dict[int, dict[str, Any]] = {}
    outgoing = []
    for key, notice, office, items in planned:
        if key in written:
            continue
        department = departments.get(office) if office else None
        if id(items) not in contexts:
            contexts[id(items)] = escalation_context(items[0].rung, department, items)
        case = items[0].deadline.case if len({item.deadline.case_id for item in items}) == 1 else None
        outgoing.append(Outgoing(key, notice, resolve(notice.audience, case, department=department),
                                 contexts[id(items)], case))
    enqueue_after_commit([message.pk for message in write_outbox(outgoing)])


def escalation_digest(items: list[Escalation]) -> str:
    keys = sorted(f"{item.deadline_id}:{item.rung}:{item.due_on}" for item in items)
    return hashlib.sha256("|".join(keys).encode()).hexdigest()[:40]


def escalation_context(rung: str, department: Department | None,
                       items: list[Escalation]) -> dict[str, Any]:
    shown = items[: settings.NOTIFICATIONS_DIGEST_ITEMS]
    return {
        "event": f"escalation.{rung}", "rung": rung, "count": len(items),
        "department": department.name if department else "", "more": len(items) - len(shown),
        "items": [escalation_item(item) for item in shown],
        "link": case_link(items[0].deadline.case_id) if len(items) == 1 else "",
    }


def escalation_item(item: Escalation) -> dict[str, Any]:
    deadline = item.deadline
    return {"case_id": deadline.case_id, "case_number": deadline.case.number, "step": deadline.step,
            "due_on": plain(item.due_on), "source": deadline.policy.source,
            "link": case_link(deadline.case_id)}


# --- credit-check alerts ----------------------------------------------------------------------

CREDIT_CHECK_LOG_PAGE = "/admin/casework/creditcheck/"


def on_credit_check_alert(alert: CreditCheckAlert) -> None:
    """casework.services.credit_checks receiver: tell the leadership office, in the check's transaction."""
    checker = alert.checked_by
    log_page = f"{settings.SITE_URL.rstrip('/')}{CREDIT_CHECK_LOG_PAGE}"
    context = {
        "event": "creditcheck.alert", "rule": alert.rule, "count": alert.checks,
        "checker": checker.username, "department": str(checker.department or ""),
        "window_start": plain(alert.window_start),
        "window_minutes": settings.CREDIT_CHECK_ALERT_WINDOW_SECONDS // 60,
        "link": f"{log_page}?{urlencode({'q': checker.username})}",
    }
    recipients = resolve(CREDIT_CHECK_ALERT.audience, None)
    message = write_message(f"creditcheck-alert:{alert.pk}", CREDIT_CHECK_ALERT, recipients, context, None)
    enqueue_after_commit([message.pk] if message is not None else [])


# --- held exits -------------------------------------------------------------------------------

def on_exit_held(case: Case, deadline: Deadline, event: DeadlineEvent) -> None:
    """``exit_held`` receiver (casework/hooks.py): the owner department and the leadership office hear, once
    per held clock (the key names the clock's one ``held`` timeline entry), in the sweep's transaction."""
    open_rectifications = case.rectifications.exclude(state=RectificationState.ACCEPTED).order_by("pk")
    context = {
        "event": "case.exit_held", "case_id": case.pk, "case_number": case.number,
        "subject": case.subject.name, "owner_department": case.owner_department.name,
        "listed_until": plain(deadline.due_on), "exit_condition": deadline.policy.exit_condition,
        "source": deadline.policy.source, "link": case_link(case.pk),
        "rectifications": [{"due_on": plain(item.due_on), "state": item.state}
                           for item in open_rectifications],
    }
    written = write_messages([(f"exit-held:{event.pk}:{notice.audience}", notice,
                               resolve(notice.audience, case)) for notice in EXIT_HELD], context, case)
    enqueue_after_commit([message.pk for message in written])


# --- inbox and operations ---------------------------------------------------------------------

def unread_count(user_id: int) -> int:
    return Delivery.objects.filter(recipient_id=user_id, channel=Channel.INAPP,
                                   status=DeliveryStatus.SENT, read_at__isnull=True).count()


def mark_read(user_id: int, delivery_ids: list[int]) -> int:
    """Mark the user's own in-app messages read; returns the unread count after."""
    Delivery.objects.filter(pk__in=delivery_ids, recipient_id=user_id, channel=Channel.INAPP,
                            read_at__isnull=True).update(read_at=timezone.now())
    return unread_count(user_id)


def retry_deliveries(delivery_ids: Iterable[int]) -> int:
    """Put failed deliveries back in the outbox (the admin's retry action); returns how many."""
    with transaction.atomic():
        rows = Delivery.objects.select_for_update().filter(pk__in=list(delivery_ids),
                                                           status=DeliveryStatus.FAILED)
        message_ids = sorted(set(rows.values_list("message_id", flat=True)))
        count = rows.update(status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now())
        enqueue_after_commit(message_ids)
    return count

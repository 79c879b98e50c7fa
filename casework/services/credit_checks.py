"""Logging every credit check and spotting enumeration (plan item 14: find leaks).

``record_credit_check`` writes the log row in the request's transaction and runs the
enumeration rules over the caller's recent checks. A rule that fires raises one
``CreditCheckAlert`` per caller, rule and window: it is logged on the ``casework.security``
logger and sent to the ``credit_check_alert`` extension point (casework/hooks.py: the
notifications app's receiver writes the leadership office's notice to the outbox, in the
same transaction).

The rules (thresholds are settings, see README "Configuration"):

* ``number_variants``: distinct citizen numbers that share what the public mask shows (the
  last four characters) — the search for a listed person's region and birth date;
* ``distinct_misses``: distinct citizen numbers that are not listed — a wider sweep.
"""

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, Subquery
from django.utils import timezone
from django.utils.crypto import salted_hmac

from casework import hooks
from casework.identifiers import KIND_CITIZEN_ID, KIND_USCC, identifier_kind, mask_identifier
from casework.models import CreditCheck, CreditCheckAlert, Subject
from casework.models.credit_checks import AlertRule

security_log = logging.getLogger("casework.security")

DIGEST_SALT = "casework.credit_check.identifier"
# The first key of the per-caller advisory lock: a number of our own, so no other lock collides.
ADVISORY_LOCK_CLASS = 0x63636B  # "cck"



def digest_of(identifier: str) -> str:
    """The keyed digest the log keeps instead of the number (HMAC-SHA256 with SECRET_KEY)."""
    return salted_hmac(DIGEST_SALT, identifier, algorithm="sha256").hexdigest()


def record_credit_check(*, checker: Any, identifier: str, purpose: str,
                        answer: dict[str, Any]) -> CreditCheck:
    """Log one answered check; a citizen number's check also runs the enumeration rules.

    An organisation's code is one INSERT (the subject found by a subquery in it). A citizen
    number's check takes the caller's turn, inserts and counts in one transaction. The
    returned row's ``subject_id`` was resolved by the database: ``refresh_from_db`` to read it.
    """
    kind = KIND_USCC if identifier_kind(identifier) == KIND_USCC else KIND_CITIZEN_ID
    check = CreditCheck(
        checked_by=checker, department_id=checker.department_id,
        subject_id=Subquery(Subject.objects.filter(identifier=identifier).values("pk")[:1]),
        identifier_kind=kind, identifier_masked=mask_identifier(identifier),
        identifier_digest=digest_of(identifier), purpose=purpose, listed=answer["listed"],
        case_numbers=[entry["case_number"] for entry in answer["entries"]],
        checked_at=answer["checked_at"],
    )
    if kind == KIND_USCC:
        check.save(force_insert=True)
        return check
    with transaction.atomic():
        serialise_per_caller(checker.pk)
        check.save(force_insert=True)
        for rule, count in fired_rules(check):
            raise_alert(check, rule, count)
    return check


def serialise_per_caller(checker_id: int) -> None:
    """One caller's citizen-number checks take turns (PostgreSQL advisory lock, until commit).

    Without it, parallel requests of one caller each count only the others' committed rows and
    a burst of checks could pass every threshold unseen. Other callers never wait. (SQLite
    serialises writers anyway.)
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            key = ADVISORY_LOCK_CLASS << 32 | (checker_id & 0xFFFFFFFF)
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def fired_rules(check: CreditCheck) -> list[tuple[str, int]]:
    """The rules this check brings to their threshold, with the distinct numbers counted (one query)."""
    recent = CreditCheck.objects.window(check.checked_by_id, check.checked_at - window_length())
    counts = recent.filter(identifier_kind=KIND_CITIZEN_ID).aggregate(
        variants=Count("identifier_digest", distinct=True,
                       filter=Q(identifier_masked=check.identifier_masked)),
        misses=Count("identifier_digest", distinct=True, filter=Q(listed=False)),
    )
    thresholds = [(AlertRule.NUMBER_VARIANTS, counts["variants"],
                   settings.CREDIT_CHECK_ALERT_NUMBER_VARIANTS)]
    if not check.listed:
        thresholds.append((AlertRule.DISTINCT_MISSES, counts["misses"],
                           settings.CREDIT_CHECK_ALERT_DISTINCT_MISSES))
    return [(rule, count) for rule, count, threshold in thresholds if 0 < threshold <= count]


def window_length() -> timedelta:
    return timedelta(seconds=settings.CREDIT_CHECK_ALERT_WINDOW_SECONDS)


def window_start(at: datetime) -> datetime:
    """The fixed window an alert belongs to: one alert per caller and rule in each."""
    seconds = max(settings.CREDIT_CHECK_ALERT_WINDOW_SECONDS, 1)
    epoch = int(at.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=timezone.get_current_timezone())


def raise_alert(check: CreditCheck, rule: str, count: int) -> CreditCheckAlert | None:
    """The window's alert for this caller and rule, once; None when it was raised already."""
    start = window_start(check.checked_at)
    if CreditCheckAlert.objects.filter(checked_by_id=check.checked_by_id, rule=rule,
                                       window_start=start).exists():
        return None
    try:
        with transaction.atomic():  # a concurrent request of the same caller may raise it first
            alert = CreditCheckAlert.objects.create(checked_by_id=check.checked_by_id, rule=rule,
                                                    window_start=start, checks=count)
    except IntegrityError:
        return None
    security_log.warning(
        "Credit-check enumeration alert %s: account %s (department %s) checked %d distinct numbers "
        "(rule %s) since %s", alert.pk, check.checked_by_id, check.department_id, count, rule,
        check.checked_at - window_length(),
    )
    hooks.CREDIT_CHECK_ALERT.send(alert)
    return alert

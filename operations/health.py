"""Readiness checks: each dependency answers or is reported down, never raises."""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 2


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str = ""


def check_database(alias: str) -> CheckResult:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any driver error means "not ready", with its message
        connections[alias].close()
        return CheckResult(f"database:{alias}", False, short(error))
    return CheckResult(f"database:{alias}", True)


def check_broker() -> CheckResult:
    from config.celery import app

    if app.conf.task_always_eager or app.conf.broker_url.startswith("memory://"):
        return CheckResult("broker", True, "in-process")
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=0, timeout=TIMEOUT_SECONDS)
    except Exception as error:  # kombu raises the transport's own errors
        return CheckResult("broker", False, short(error))
    return CheckResult("broker", True)


def check_channel_layer() -> CheckResult:
    config = settings.CHANNEL_LAYERS["default"]
    if config["BACKEND"].endswith("InMemoryChannelLayer"):
        return CheckResult("channel_layer", True, "in-memory")
    import redis

    try:
        for host in config["CONFIG"]["hosts"]:
            address = host["address"] if isinstance(host, dict) else host
            redis.Redis.from_url(address, socket_connect_timeout=TIMEOUT_SECONDS,
                                 socket_timeout=TIMEOUT_SECONDS).ping()
    except Exception as error:  # redis-py's connection and timeout errors
        return CheckResult("channel_layer", False, short(error))
    return CheckResult("channel_layer", True)


def readiness() -> list[CheckResult]:
    checks: list[Callable[[], CheckResult]] = [
        *(lambda alias=alias: check_database(alias) for alias in settings.DATABASES),
        check_broker, check_channel_layer,
    ]
    results = [check() for check in checks]
    for result in results:
        if not result.ok:
            logger.warning("not ready: %s is down: %s", result.name, result.detail,
                           extra={"dependency": result.name})
    return results


def short(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}".splitlines()[0][:200]

"""The fixed cast of the tests (STYLE rule 8).

An owner department (市市场监管局) with an officer (the drafter) and a
reviewer, another determining department's officer, a joint department, 发改委,
the leadership office, the system client, the subject and another subject.
"""

import atexit
import base64
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import import_module
from typing import Any

import pytest
from django.utils import timezone

from casework import services
from casework.choices import (
    DepartmentKind,
    DishonestyClass,
    LegalBasisKind,
    ListType,
    Role,
    SubjectKind,
)
from casework.models import Case, Department, LegalBasis, Measure, Subject, User


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # The cast has a dozen users: real PBKDF2 would spend seconds per test hashing "x".
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # A key of the tests' own, also for the servers and workers they start (config/secrets.py).
    settings.SECRET_KEY = os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    # Counters of one test never leak into the next (and a clear never flushes a shared Redis);
    # the throttle tests set their own rate.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.PUBLIC_API_RATE = "100000/second"
    # The audit key comes from the environment: servers and workers the tests start inherit it.
    settings.AUDIT_HMAC_KEY = os.environ.setdefault("AUDIT_HMAC_KEY", "casework-test-audit-key")
    # Likewise the identifiers' encryption key (casework/crypto.py): 64 bytes, base64.
    settings.IDENTIFIER_KEY = os.environ.setdefault("IDENTIFIER_KEY",
                                                    base64.b64encode(bytes(range(64))).decode())
    # Pages render {% static %} without a collected manifest here; the embedded-mode browser
    # test checks the real thing (collectstatic, hashed and compressed files, WhiteNoise).
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    # WhiteNoise serves what is in STATIC_ROOT before what the finders find: a checkout's
    # var/static/ from an earlier `collectstatic` would hand the live server's pages an old
    # workbench.js. An empty directory of this run's own leaves only the source files.
    settings.STATIC_ROOT = tempfile.mkdtemp(prefix="casework-test-static-")
    atexit.register(shutil.rmtree, settings.STATIC_ROOT, ignore_errors=True)
    settings.WHITENOISE_USE_FINDERS = True  # the live server's pages load their assets uncollected
    settings.WHITENOISE_AUTOREFRESH = True


def ensure_reference_data() -> None:
    """Reload what the data migrations seed (calendar, SLA policies).

    A transactional test ends with a flush that empties every table, data
    migrations' rows included; the next one reloads them with the migrations' own code.
    """
    from django.apps import apps

    from workflows.models import CalendarYear, Policy

    if not CalendarYear.objects.exists():
        import_module("workflows.migrations.0002_seed_calendar").seed_calendar(apps, None)
    if not Policy.objects.exists():
        import_module("workflows.migrations.0004_default_policies").load(apps, None)
    from documents.models import DocumentTemplate
    from documents.seed import load as load_document_texts

    if not DocumentTemplate.objects.exists():
        load_document_texts(apps)


@pytest.fixture(autouse=True)
def _fresh_calendar_cache() -> None:
    """A rolled-back test sends no signal: never let one test's calendar rows, policies or
    recipients leak into the next."""
    from casework import caches
    from workflows.calendar import clear_cache

    clear_cache()
    caches.clear_all()


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the product's default language (zh-Hans) and leaves none active.

    A request with ``Accept-Language: en`` (or a view's ``translation.activate``) sets the
    thread's language, which would otherwise stay for every later test of the run.
    """
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Throttle counts live in the cache, keyed by account id: ids are reused after a rollback."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _reference_data(request: pytest.FixtureRequest) -> None:
    # Every database test, not only transactional ones: a reused database (--reuse-db) may
    # have been left flushed by the last transactional test of an earlier run.
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or (
        "transactional_db" in request.fixturenames
    )
    if transactional:
        request.getfixturevalue("transactional_db")
    elif marker is not None or "db" in request.fixturenames:
        request.getfixturevalue("db")
    else:
        return
    ensure_reference_data()


@dataclass
class Cast:
    owner: Department
    other: Department
    joint: Department
    ndrc: Department
    leadership: Department
    officer: User
    reviewer: User
    other_reviewer: User
    other_officer: User
    joint_officer: User
    ndrc_officer: User
    leadership_user: User
    system: User
    subject: Subject
    subject_user: User
    other_subject: Subject
    other_subject_user: User
    basis: LegalBasis
    measure: Measure

    def open_case(self, **overrides: Any) -> Case:
        fields: dict[str, Any] = {
            "subject": self.subject, "list_type": ListType.SERIOUS,
            "dishonesty_class": DishonestyClass.SERIOUS, "legal_bases": [self.basis],
            "facts": "拒不履行法院判决确定的义务",
        }
        fields.update(overrides)
        # Only allowed pairs (workflows.case.LIST_CLASSES): a class below serious goes on the
        # key attention list, a key-attention case is general unless the test says otherwise.
        if "list_type" not in overrides and fields["dishonesty_class"] != DishonestyClass.SERIOUS:
            fields["list_type"] = ListType.FOCUS
        if "dishonesty_class" not in overrides and fields["list_type"] == ListType.FOCUS:
            fields["dishonesty_class"] = DishonestyClass.GENERAL
        return services.open_case(self.officer, **fields)

    def notified_case(self, **overrides: Any) -> Case:
        case = self.open_case(**overrides)
        services.advance(case, "notify", self.officer)
        # The defence window ended yesterday (the SLA engine normally sets this date).
        Case.objects.filter(pk=case.pk).update(
            statement_due_on=timezone.localdate() - timedelta(days=1)
        )
        case.refresh_from_db()
        return case

    def served(self, target: Any) -> Any:
        """The documents about ``target`` handed over in person today (送达); periods from service start."""
        from documents.models import ServiceAct
        from documents.services import serve

        for act in ServiceAct.objects.of_target(target).pending():
            serve(act, self.officer, {"method": "in_person",
                                      "served_on": timezone.localdate().isoformat()})
        return type(target)._default_manager.get(pk=target.pk)

    def listed_case(self, **overrides: Any) -> Case:
        case = self.notified_case(**overrides)
        services.advance(case, "determine", self.reviewer)
        case.refresh_from_db()
        return case


def _department(code: str, name: str, kind: str) -> Department:
    return Department.objects.create(code=code, name=name, kind=kind)


def _user(username: str, role: str, **fields: Any) -> User:
    return User.objects.create_user(username=username, password="x", role=role, **fields)


@pytest.fixture
def cast(db: Any) -> Cast:
    return make_cast()


def make_cast() -> Cast:
    """The cast's rows; a test that empties the database makes them again."""
    owner = _department("scjgj", "市市场监管局", DepartmentKind.DETERMINING)
    other = _department("sthjj", "市生态环境局", DepartmentKind.DETERMINING)
    joint = _department("zjj", "市住房城乡建设局", DepartmentKind.JOINT)
    ndrc = _department("fgw", "市发展改革委", DepartmentKind.NDRC)
    leadership = _department("xyb", "市社会信用体系建设领导小组办公室", DepartmentKind.LEADERSHIP)
    subject = Subject.objects.create(
        kind=SubjectKind.ENTERPRISE, name="鞍山某建材有限公司", identifier="91110108551385082Q"
    )
    other_subject = Subject.objects.create(
        kind=SubjectKind.NATURAL_PERSON, name="张某", identifier="11010519491231002X"
    )
    basis = LegalBasis.objects.create(
        kind=LegalBasisKind.LAW, title="中华人民共和国食品安全法", article="第一百三十四条",
        allows_serious_list=True, allows_focus_list=True, active_from=date(2015, 10, 1),
    )
    measure = Measure.objects.create(
        code="limit-bidding", title="限制参与政府投资项目招标投标", legal_basis=basis,
        department=joint,
    )
    return Cast(
        owner=owner, other=other, joint=joint, ndrc=ndrc, leadership=leadership,
        officer=_user("officer", Role.OFFICER, department=owner),
        reviewer=_user("reviewer", Role.REVIEWER, department=owner),
        other_reviewer=_user("other_reviewer", Role.REVIEWER, department=other),
        other_officer=_user("other_officer", Role.OFFICER, department=other),
        joint_officer=_user("joint_officer", Role.JOINT, department=joint),
        ndrc_officer=_user("ndrc_officer", Role.NDRC, department=ndrc),
        leadership_user=_user("leader", Role.LEADERSHIP, department=leadership),
        system=_user("system", Role.SYSTEM),
        subject=subject,
        subject_user=_user("subject", Role.SUBJECT, subject=subject),
        other_subject=other_subject,
        other_subject_user=_user("other_subject", Role.SUBJECT, subject=other_subject),
        basis=basis, measure=measure,
    )

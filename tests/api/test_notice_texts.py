"""Plain-text notices carry the text as written: no HTML escaping in SMS, e-mail, in-app or webhooks."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.core import mail

from casework.choices import SubjectKind
from casework.models import Subject, User
from config.celery import app
from notifications.models import Delivery, Preference, WebhookEndpoint
from notifications.transports.sms import gateway
from tests.api.conftest import client_for, transition
from tests.conftest import Cast

# An ampersand, angle brackets and quotes, and a link whose query string needs its "&".
NOTE = "请于本周报告A&B两项整改进展 <附件> \"急\" 'A' https://xy.anshan.gov.cn/case?id=7&tab=deadlines"


class Receiver(BaseHTTPRequestHandler):
    bodies: list[bytes] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        self.bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    Receiver.bodies = []
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hooks/casework"
    server.shutdown()


@pytest.fixture
def sms_file(settings: Any, tmp_path: Path) -> Iterator[Path]:
    settings.SMS_GATEWAY, settings.SMS_FILE_PATH = "file", str(tmp_path / "sms.jsonl")
    gateway.cache_clear()
    previous, app.conf.task_always_eager = app.conf.task_always_eager, True
    yield tmp_path / "sms.jsonl"
    app.conf.task_always_eager = previous
    gateway.cache_clear()


def reachable_officer(cast: Cast) -> User:
    officer = cast.officer
    officer.email = "officer@scjgj.anshan.gov.cn"
    officer.save(update_fields=["email"])
    Preference.objects.create(user=officer, phone="13800000000")
    return officer


def test_plain_text_notices_keep_ampersands_and_brackets_on_every_channel(
    cast: Cast, receiver: str, sms_file: Path, django_capture_on_commit_callbacks: Any
) -> None:
    officer = reachable_officer(cast)
    WebhookEndpoint.objects.create(name="市场监管局业务系统", department=cast.owner, url=receiver, secret="s")
    case = cast.listed_case()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(cast.leadership_user).post(
            f"/api/v1/cases/{case.pk}/escalation-notes/", {"text": NOTE}, format="json")
    assert response.status_code == 201
    notes = Delivery.objects.filter(message__event="escalationnote.escalation_note")
    channels = {row.channel for row in notes.filter(status="sent")}
    assert channels == {"inapp", "email", "sms", "webhook"}
    inapp = notes.get(channel="inapp", recipient=officer)
    assert NOTE in inapp.body and "&amp;" not in inapp.body and "&lt;" not in inapp.body
    [email] = [m for m in mail.outbox if m.to == [officer.email]]
    assert NOTE in email.body and "&amp;" not in email.body + email.subject
    [webhook] = [json.loads(body) for body in Receiver.bodies]
    assert NOTE in webhook["body"] and "&amp;" not in webhook["body"] + webhook["title"]


def test_an_sms_names_a_subject_with_an_ampersand_as_written(
    cast: Cast, sms_file: Path, django_capture_on_commit_callbacks: Any
) -> None:
    subject = Subject.objects.create(kind=SubjectKind.ENTERPRISE, name="鞍山P&G<日化>有限公司",
                                     identifier="91210300MA0QC0GQ06")
    account = User.objects.create_user(username="pg", password="x", role="subject", subject=subject)
    Preference.objects.create(user=account, phone="13900000000")
    case = cast.notified_case(subject=subject)
    with django_capture_on_commit_callbacks(execute=True):
        response = transition(client_for(cast.reviewer), f"cases/{case.pk}", "determine", case.version)
    assert response.status_code == 200
    [sms] = [json.loads(line) for line in sms_file.read_text(encoding="utf-8").splitlines()]
    assert sms["to"] == "13900000000"
    assert "鞍山P&G<日化>有限公司已被列入" in sms["text"] and "&amp;" not in sms["text"]

"""陈述申辩: the subject submits its statement and defence while the window runs."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from casework.models import Case, Statement
from casework.services.engine import create_step
from workflows.guards import RuleRefused
from workflows.rules import case_subject
from workflows.statement import case_notified, window_running


def submit_statement(case: Case, actor: Any, text: str) -> Statement:
    """The subject's statement; the window's rules are checked under the case lock."""
    if not text.strip():
        raise RuleRefused("statement_text_required", _("A statement and defence must say something."))
    statement = Statement(case=case, submitted_by=actor, text=text.strip())
    create_step(statement, actor, {"text": statement.text},
                rules=[case_subject, case_notified, window_running])
    return statement

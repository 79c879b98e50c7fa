"""The shipped texts of the official documents (documents/texts/<language>/<kind>.html).

Loaded into DocumentTemplate by a data migration; from then on the office edits them
in the admin. ``load(apps)`` only adds missing rows, so an edited text is never overwritten.
"""

from pathlib import Path
from typing import Any

TEXTS = Path(__file__).resolve().parent / "texts"
TITLES: dict[str, dict[str, str]] = {
    "zh-hans": {
        "credit_notice": "信用信息告知书", "determination": "失信认定决定书",
        "repair_notice": "信用修复告知书", "rectification_notice": "限期整改通知书",
        "talk_notice": "约谈通知书", "talk_record": "约谈记录",
        "objection_decision": "异议处理决定书", "repair_decision": "信用修复决定书",
        "repair_refusal": "不予受理/不予修复决定书", "repair_revocation": "撤销信用修复决定书",
        "circular": "失信惩戒办理时限和部门考核情况通报",
    },
    "en": {
        "credit_notice": "Credit information notice", "determination": "Dishonesty determination decision",
        "repair_notice": "Credit repair notice", "rectification_notice": "Rectification order",
        "talk_notice": "Talk notice", "talk_record": "Talk record",
        "objection_decision": "Objection decision", "repair_decision": "Credit repair decision",
        "repair_refusal": "Decision not to accept or not to grant repair",
        "repair_revocation": "Decision revoking a credit repair",
        "circular": "Circular on deadlines and department assessment",
    },
}


def load(apps: Any, schema_editor: Any = None) -> int:
    DocumentTemplate = apps.get_model("documents", "DocumentTemplate")
    added = 0
    for language, titles in TITLES.items():
        for kind, title in titles.items():
            body = (TEXTS / language / f"{kind}.html").read_text(encoding="utf-8")
            _row, created = DocumentTemplate.objects.get_or_create(
                kind=kind, language=language, defaults={"title": title, "body": body},
            )
            added += created
    return added

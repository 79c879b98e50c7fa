"""Drag and drop evidence on the case page: a real drop event carrying a file (DataTransfer).

The dropzone sends the dropped file at once through the same POST as its button, so the API's
checks apply (size, declared type, the first bytes): a PDF is stored and listed; a file whose
bytes are not what its type says is refused with the rule in words, and nothing is written.
"""

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Page, expect

from casework.models import Evidence
from tests.browser.harness import shoot
from tests.conftest import Cast

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
NOT_A_PDF = b"MZ\x90\x00 an executable that calls itself a PDF"

DROP = """([name, type, data]) => {
  const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, {type}));
  const zone = document.querySelector('[data-wb-dropzone]');
  for (const kind of ['dragenter', 'dragover', 'drop']) {
    zone.dispatchEvent(new DragEvent(kind, {dataTransfer: transfer, bubbles: true, cancelable: true}));
  }
}"""


def drop(page: Page, name: str, content_type: str, data: bytes) -> None:
    with page.expect_navigation():  # the drop itself posts the form; no button is pressed
        page.evaluate(DROP, [name, content_type, base64.b64encode(data).decode()])
    page.wait_for_load_state()


def test_a_file_dropped_on_the_dropzone_is_uploaded_as_evidence(
        cast: Cast, visit: Callable[..., Any], settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    case = cast.open_case()
    officer = visit("officer")
    page = officer.go(f"/cases/{case.pk}/")
    expect(page.locator("[data-wb-evidence-item]")).to_have_count(0)

    drop(page, "现场检查记录.pdf", "application/pdf", PDF)
    evidence = Evidence.objects.get(case=case)
    assert (evidence.original_name, evidence.content_type, evidence.size) == ("现场检查记录.pdf",
                                                                              "application/pdf", len(PDF))
    assert evidence.uploaded_by_id == cast.officer.pk
    assert evidence.file.read() == PDF
    expect(page).to_have_url(f"{officer.base}/cases/{case.pk}/")
    expect(page.locator(f"[data-wb-evidence-item='{evidence.pk}']")).to_contain_text("现场检查记录.pdf")
    shoot(page, "case-evidence-dropped")
    officer.watch.assert_clean()

    drop(page, "伪装文件.pdf", "application/pdf", NOT_A_PDF)
    with translation.override("zh-hans"):
        refusal = gettext("The file's content does not match its declared type %(type)s.") % {
            "type": "application/pdf"}
    expect(page.locator(".wb-flash__item--error")).to_contain_text(refusal)
    expect(page.locator(".wb-flash__item--error")).to_contain_text("evidence_content_mismatch")
    assert Evidence.objects.filter(case=case).count() == 1
    assert [path.name for path in tmp_path.rglob("*") if path.is_file()] == [Path(evidence.file.name).name]
    expect(page.locator("[data-wb-evidence-item]")).to_have_count(1)
    shoot(page, "case-evidence-refused")
    officer.watch.assert_clean()

"""Template → HTML (the text of record) → PDF (WeasyPrint, fonts from Debian's fonts-noto-cjk)."""

import hashlib
from typing import Any

from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

from documents.models import DocumentTemplate


def render_html(template: DocumentTemplate, context: dict[str, Any], header: dict[str, Any]) -> str:
    """The full page of one document: the office's body inside the fixed letterhead."""
    with translation.override(template.language):
        body = Template(template.body).render(Context(context))
        return render_to_string("documents/page.html", {
            **header, "title": template.title, "body": mark_safe(body),  # noqa: S308 (autoescaped above)
            "language": template.language,
        })


def render_pdf(html: str) -> bytes:
    """The PDF of a stored text; the same text and fonts give the same bytes (no timestamps)."""
    from weasyprint import HTML  # imported late: pango loads only when a PDF is made

    return HTML(string=html).write_pdf()


def sha256(content: str | bytes) -> str:
    raw = content.encode() if isinstance(content, str) else content
    return hashlib.sha256(raw).hexdigest()

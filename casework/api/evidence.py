"""Evidence uploads and downloads: the declared type must match the file's first bytes,
and a download is always an attachment of opaque bytes.

The size limit and the list of accepted types are checked by
``services.attach_evidence``; this adds what only the bytes can tell, so a
renamed executable is not stored as a PDF.
"""

import string
from urllib.parse import quote

from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _

from casework.models import Evidence
from casework.text import clean_file_name
from workflows.guards import RuleRefused

SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "application/zip": (b"PK\x03\x04", b"PK\x05\x06"),
}
SNIFF_BYTES = 4096
ASCII_NAME_CHARS = frozenset(string.ascii_letters + string.digits + "._- ()")


def check_upload(upload: UploadedFile) -> None:
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    declared = upload.content_type or ""
    if declared in SIGNATURES:
        matches = head.startswith(SIGNATURES[declared])
    elif declared == "text/plain":
        matches = b"\x00" not in head and _decodes(head)
    else:
        return  # not an accepted type at all: attach_evidence refuses it by name
    if not matches:
        raise RuleRefused(
            "evidence_content_mismatch",
            _("The file's content does not match its declared type %(type)s.") % {"type": declared},
        )


def _decodes(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # The sniffed window may cut a multi-byte character at its end.
        return error.start >= len(head) - 3
    return True


def attachment_disposition(name: str) -> str:
    """Content-Disposition that always downloads: an ASCII fallback and the UTF-8 name (RFC 6266)."""
    cleaned = clean_file_name(name)
    fallback = "".join(char if char in ASCII_NAME_CHARS else "_" for char in cleaned)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(cleaned, safe='')}"


def download_response(evidence: Evidence) -> FileResponse:
    """The bytes as an opaque download: never rendered, sniffed or run on our origin."""
    response = FileResponse(evidence.file.open("rb"), content_type="application/octet-stream")
    response["Content-Disposition"] = attachment_disposition(evidence.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    # Should a browser render it anyway, it runs sandboxed: no script, no same-origin access.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response

"""Evidence uploads: the declared type must match the file's first bytes.

The size limit and the list of accepted types are checked by
``services.attach_evidence``; this adds what only the bytes can tell, so a
renamed executable is not stored as a PDF.
"""

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from workflows.guards import RuleRefused

SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "application/zip": (b"PK\x03\x04", b"PK\x05\x06"),
}
SNIFF_BYTES = 4096


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

"""Text that is shown to people: no invisible characters that change what they read.

A right-to-left override (U+202E) shows ``evidence‮txt.exe`` as ``evidenceexe.txt``; CR/LF
in a file name splits a header line; zero-width characters make two names that look
alike different. Names a person gives (subjects) are refused when they hold such
characters; names a file arrives with are cleaned, since the uploader cannot fix them.
"""

import unicodedata

# Control (Cc), format — bidi overrides, zero-width (Cf), surrogates (Cs), private use (Co),
# unassigned (Cn), line and paragraph separators (Zl, Zp).
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# A file name is a name, not a path; quotes and angle brackets only ever serve injection.
FILE_NAME_REPLACED = frozenset('/\\:*?"<>|')
FILE_NAME_MAX = 200
FILE_NAME_FALLBACK = "evidence"


def is_invisible(char: str) -> bool:
    return unicodedata.category(char) in INVISIBLE_CATEGORIES


def has_invisible(value: str) -> bool:
    """Whether the text holds a control, bidi or other invisible character."""
    return any(is_invisible(char) for char in value)


def clean_file_name(name: str) -> str:
    """The name as shown and sent back: NFC, no invisible characters, no path or markup characters."""
    kept = "".join(
        "_" if char in FILE_NAME_REPLACED else char
        for char in unicodedata.normalize("NFC", name)
        if not is_invisible(char)
    )
    cleaned = " ".join(kept.split()).strip(". ")
    return cleaned[-FILE_NAME_MAX:] or FILE_NAME_FALLBACK

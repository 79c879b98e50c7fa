"""Chinese in the product, English in the code: the zh-Hans catalogue is complete and compiled."""

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils import translation

from workflows.rules import owner_department

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
FIELD_LINE = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$')


@dataclass
class Entry:
    flags: set[str] = field(default_factory=set)
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def msgid(self) -> str:
        return self.fields.get("msgid", "")

    def translations(self) -> list[str]:
        return [value for key, value in self.fields.items() if key.startswith("msgstr")]


def read_catalogue(path: Path) -> list[Entry]:
    """The entries of a .po file (header included); enough of the format for these checks.

    An obsolete entry (``#~`` lines) has flags but no msgid; it is not a message.
    """
    entries: list[Entry] = []
    entry, key = Entry(), ""
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():  # entries are separated by blank lines (bar a header written without one)
            if entry.fields or entry.flags:
                entries.append(entry)
            entry = Entry()
            continue
        match = FIELD_LINE.match(line)
        starts_entry = line.startswith("#") or (match is not None and match.group(1) in ("msgctxt", "msgid"))
        if starts_entry and any(name.startswith("msgstr") for name in entry.fields):
            entries.append(entry)
            entry = Entry()
        if line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
        elif match is not None:
            key = match.group(1)
            entry.fields[key] = ast.literal_eval(match.group(2))
        elif line.startswith('"'):
            entry.fields[key] += ast.literal_eval(line)
    return entries


def messages() -> list[Entry]:
    return [entry for entry in read_catalogue(CATALOGUE) if entry.msgid]


def test_guard_message_renders_in_chinese_under_zh_hans() -> None:
    with translation.override("zh-hans"):
        assert str(owner_department.message) == "仅案件的认定部门可办理此环节（谁认定、谁约谈）。"


def test_guard_message_renders_in_english_under_en() -> None:
    with translation.override("en"):
        assert str(owner_department.message) == (
            "Only the case's owner department may take this step (谁认定、谁约谈)."
        )


def test_default_language_is_simplified_chinese() -> None:
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert str(owner_department.message) == "仅案件的认定部门可办理此环节（谁认定、谁约谈）。"


def test_catalogue_has_no_untranslated_entries() -> None:
    entries = messages()
    assert len(entries) > 300
    assert [entry.msgid for entry in entries if any(text == "" for text in entry.translations())] == []


def test_catalogue_has_no_fuzzy_entries() -> None:
    assert [entry.msgid for entry in messages() if "fuzzy" in entry.flags] == []


def test_catalogue_keeps_every_placeholder() -> None:
    placeholder = re.compile(r"%\([a-z_]+\)[sdr]")
    broken = [
        entry.msgid for entry in messages()
        if any(sorted(placeholder.findall(text)) != sorted(placeholder.findall(entry.msgid))
               for text in entry.translations())
    ]
    assert broken == []


def test_compiled_catalogue_matches_its_source() -> None:
    """The tracked .mo was compiled from the current .po (run compilemessages after editing)."""
    with CATALOGUE.with_suffix(".mo").open("rb") as compiled_file:
        compiled = gettext.GNUTranslations(compiled_file)
    stale = [
        entry.msgid for entry in messages()
        if "msgid_plural" not in entry.fields and compiled.gettext(entry.msgid) != entry.fields["msgstr"]
    ]
    assert stale == []


def test_catalogue_reader_finds_untranslated_fuzzy_and_skips_obsolete(tmp_path: Path) -> None:
    sample = tmp_path / "django.po"
    sample.write_text(
        'msgid ""\nmsgstr ""\n"Language: zh_Hans\\n"\n'
        '#: a.py:1\nmsgid "Draft"\nmsgstr "草稿"\n\n'
        '#: a.py:2\nmsgid ""\n"Listed"\nmsgstr ""\n\n'
        '#: a.py:3\n#, fuzzy, python-format\nmsgid "Talk %(n)s"\nmsgstr "约谈"\n\n'
        '#, fuzzy\n#~ msgid "Gone"\n#~ msgstr "旧"\n',
        encoding="utf-8",
    )
    entries = [entry for entry in read_catalogue(sample) if entry.msgid]
    assert [(entry.msgid, entry.translations(), sorted(entry.flags)) for entry in entries] == [
        ("Draft", ["草稿"], []),
        ("Listed", [""], []),
        ("Talk %(n)s", ["约谈"], ["fuzzy", "python-format"]),
    ]

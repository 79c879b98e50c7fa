"""The summary of an import, in words (the command prints it; the page shows the same)."""

from django.utils.translation import gettext as _

from lists.services import Summary


def summary_lines(summary: Summary, *, dry_run: bool = False) -> list[str]:
    lines = [
        _("Rows: %(total)s (%(format)s)") % {"total": summary.total, "format": summary.file_format},
        _("Imported: %(count)s") % {"count": summary.imported},
        _("Unchanged: %(count)s") % {"count": summary.unchanged},
        _("Updated (audited correction): %(count)s") % {"count": summary.updated},
        _("Rejected: %(count)s") % {"count": summary.rejected},
    ]
    for code, count in sorted(summary.rejected_by_reason.items()):
        lines.append(f"  {code}: {count}")
    if summary.imported == summary.updated == 0 and summary.unchanged and not summary.rejected:
        lines.append(_("Nothing new: every row was already imported and is unchanged."))
    if summary.errors_path:
        lines.append(_("Rejected rows with their line and reason: %(path)s")
                     % {"path": summary.errors_path})
    if dry_run:
        lines.append(_("Dry run: nothing was written; %(count)s rows are valid.")
                     % {"count": summary.read - summary.rejected})
    lines.append(_("Time: reading %(parse).2f s, checking %(validate).2f s, writing %(write).2f s")
                 % summary.phases)
    return lines

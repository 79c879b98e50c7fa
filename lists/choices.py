from django.db import models
from django.utils.translation import gettext_lazy as _


class BatchStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Done")
    REFUSED = "refused", _("File refused")
    FAILED = "failed", _("Import failed")


class Outcome(models.TextChoices):
    IMPORTED = "imported", _("Imported")
    UNCHANGED = "unchanged", _("Unchanged")
    UPDATED = "updated", _("Updated (audited correction)")
    REJECTED = "rejected", _("Rejected")

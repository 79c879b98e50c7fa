"""Many recorded determinations in one transaction: the batch door of the list import.

``record_determinations`` writes what, for each item, ``open_case`` followed by
``advance(case, "record_determination")`` (whose effect is one ``create_step`` per catalogue
measure) write one case at a time — the same rows, in the same order — with a few statements per
chunk instead of about a hundred per case:

- the cases (ids reserved up front, each inserted once in its final state), their legal
  bases, and their case numbers from one counter update;
- the clocks each event opens, from the SLA map's ``Open`` actions and the policy in
  force on each clock's start date;
- the audit events of every case's own hash chain (``created``, ``record_determination``,
  the measure tasks' ``created``), each recording the case as it was after the event, and
  the sealed chain heads;
- the credit-check index rows and the notices (messages and deliveries) of every event,
  the recipients read once per department; a listing's notices after its measure tasks'
  (``determinations.notify_order``: the effect runs before the notices); given an import's
  digest (``notifications.digests``), the staff notices it takes are gathered there and
  written as one message per department instead.

Each table's rows go to PostgreSQL as plain tuples in one ``COPY`` (``bulk.copy_rows``). Only
the case is built as a model instance (its field checks, the transition's guards and the
transition itself run on it, row by row); what is the same for many rows is worked out
once and repeated: a clock and its ``opened`` timeline entry per step, start date, policy
and department (the working-day arithmetic of ``workflows.services.build_deadline`` runs
once per key, not per row), a measure task per catalogue measure (its field checks), a
notice's context per event shape (``notifications.services.transition_context`` rendered
once; each row sets its own case, object, subject, moment and link), the deliveries per
audience and department (``planned_deliveries``), the fields' defaults and preparation per
table. The audit hashes are the chain's HMAC (``casework.models.audit.mac``) over the same
canonical JSON, computed with the key read once.

The modules, by what they write:

- ``rows``: what the door takes (``Determination``), refuses (``ItemRefused``) and holds;
- ``determinations``: the door (``record_determinations``, or ``prepare_determinations`` and
  the prepared chunk's ``write()``, ``batch_supported``), the cases,
  their legal bases, case numbers and measure tasks, the credit-index rows;
- ``clocks``: the deadlines and their ``opened`` timeline entries;
- ``chain``: the audit events, hashed on their chains, and the sealed chain heads;
- ``notices``: the messages and their deliveries;
- ``bulk``: ids reserved up front, the ``COPY`` writer, values prepared as an insert prepares them.

The rules are the ones the per-case path asks (the actor's role and department, the
transition's guards, the model's field checks); a refused item raises ``ItemRefused``
naming its index, and nothing of the chunk is written. Hooks this module does not know
(``batch_supported``) send the caller back to the per-case path.
"""

from casework.services.batch.bulk import copy_rows, reserve_ids
from casework.services.batch.chain import json_text
from casework.services.batch.determinations import (
    batch_supported,
    measures_by_basis,
    next_case_numbers,
    prepare_determinations,
    record_determinations,
)
from casework.services.batch.notices import ROW_KEYS, SHAPE_KEYS
from casework.services.batch.rows import Determination, ItemRefused

__all__ = [
    "ROW_KEYS",
    "SHAPE_KEYS",
    "Determination",
    "ItemRefused",
    "batch_supported",
    "copy_rows",
    "json_text",
    "measures_by_basis",
    "next_case_numbers",
    "prepare_determinations",
    "record_determinations",
    "reserve_ids",
]

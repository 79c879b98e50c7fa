"""The daily digest: every chain's head, signed with the audit key, written outside the database.

An attacker who can write the database can roll a case back consistently — delete its
last events, put back an older head and the case row as it then was — because every
value needed is already in the database. The digest is the anchor that cannot be rolled
back: a copy of every head in storage the database's users cannot write (another host,
object storage with retention). ``verify_audit --digest FILE`` checks that each head the
digest recorded is still in its chain, with the same hash.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db.models import Q
from django.utils import timezone

from casework.audit import BrokenLink
from casework.models import AuditEvent, AuditHead
from casework.models.audit import mac

BATCH = 500


@dataclass(frozen=True)
class Digest:
    written_at: str
    heads: list[tuple[str, int, str]]


def write_digest(directory: Path, now: datetime | None = None) -> Path:
    """Write one digest file of all heads; refuse to overwrite one."""
    written_at = (now or timezone.now()).isoformat(timespec="seconds")
    heads = [list(row) for row in AuditHead.objects.order_by("chain").values_list("chain", "seq", "hash")]
    body = {"written_at": written_at, "heads": heads}
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"audit-heads-{written_at.replace(':', '')}.json"
    with path.open("x", encoding="utf-8") as file:
        json.dump({**body, "mac": mac(body)}, file, ensure_ascii=False)
    return path


def read_digest(path: Path) -> Digest:
    """The digest in ``path``; ValueError if it is not one or its signature does not match."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    body = {"written_at": data.get("written_at"), "heads": data.get("heads")}
    if not isinstance(body["heads"], list) or data.get("mac") != mac(body):
        raise ValueError(f"{path}: the digest's signature does not match (altered, or another key)")
    return Digest(str(body["written_at"]), [(str(c), int(s), str(h)) for c, s, h in body["heads"]])


def check_digest(digest: Digest, only_chain: str | None = None) -> Iterator[BrokenLink]:
    """A fault for each head of the digest its chain no longer holds."""
    heads = [head for head in digest.heads if only_chain is None or head[0] == only_chain]
    for start in range(0, len(heads), BATCH):
        batch = heads[start:start + BATCH]
        wanted = Q()
        for chain, seq, _hash in batch:
            wanted |= Q(chain=chain, seq=seq)
        rows = AuditEvent.objects.filter(wanted).values_list("chain", "seq", "hash")
        found = {(chain, seq): event_hash for chain, seq, event_hash in rows}
        for chain, seq, recorded in batch:
            if found.get((chain, seq)) != recorded:
                yield BrokenLink(None, chain, seq, (
                    f"the digest of {digest.written_at} recorded seq {seq} of this chain; "
                    "the chain no longer holds it (cut short or rewritten)"))

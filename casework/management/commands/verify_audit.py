"""Check every audit chain; exit non-zero when one is broken (docs/security.md).

Each link's keyed hash, each chain's sealed head, each case row against its last
event, and (``--digest FILE``) the heads a daily digest recorded outside the database.
Streams the table once, ordered by chain and sequence, so memory stays flat on a
city's whole history. Run it from cron or after a restore.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casework.audit import BrokenLink, chain_of, verify_chains
from casework.audit_digest import Digest, check_digest, read_digest
from casework.models import AuditEvent, Case


def describe(link: BrokenLink) -> str:
    if link.event_id is None:  # the chain's own fault: its head, its case row, its absence
        return f"BROKEN chain {link.chain}: {link.reason}"
    return f"BROKEN event {link.event_id} chain {link.chain} seq {link.seq}: {link.reason}"


class Command(BaseCommand):
    help = "Verify the audit hash chains; report the first broken event of each broken chain."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--case", type=int, dest="case_id", help="Check only this case's chain.")
        parser.add_argument(
            "--progress-every", type=int, default=1000, metavar="N",
            help="Write a progress line to stderr every N chains (0: never).",
        )
        parser.add_argument(
            "--digest", action="append", default=[], type=Path, metavar="FILE", dest="digests",
            help="A digest written by audit_digest: each head it recorded must still be in its chain.",
        )

    def handle(self, *args: Any, case_id: int | None, progress_every: int, digests: list[Path],
               **options: Any) -> None:
        only_chain = self._chain_of_case(case_id) if case_id is not None else None
        loaded = [self._read(path) for path in digests]
        chains, broken = self._verify(only_chain, progress_every)
        for digest in loaded:
            broken += self._check(digest, only_chain, {link.chain for link in broken})
        events = AuditEvent.objects.filter(**({"chain": only_chain} if only_chain else {})).count()
        self.stdout.write(f"{chains} chains, {events} events, {len(broken)} broken")
        if broken:
            raise CommandError(f"{len(broken)} broken audit chain(s); see the BROKEN lines above.")

    def _chain_of_case(self, case_id: int) -> str:
        case = Case.objects.filter(pk=case_id).first()
        if case is None:
            raise CommandError(f"No case with id {case_id}.")
        return chain_of(case)

    def _read(self, path: Path) -> Digest:
        try:
            return read_digest(path)
        except (OSError, ValueError, TypeError) as error:
            raise CommandError(str(error)) from None

    def _check(self, digest: Digest, only_chain: str | None, known: set[str]) -> list[BrokenLink]:
        found = []
        for link in check_digest(digest, only_chain):
            if link.chain not in known:
                known.add(link.chain)
                found.append(link)
                self.stdout.write(describe(link))
        return found

    def _verify(self, only_chain: str | None, progress_every: int) -> tuple[int, list[BrokenLink]]:
        chains, broken = 0, []
        for _chain, link in verify_chains(only_chain=only_chain):
            chains += 1
            if link is not None:
                broken.append(link)
                self.stdout.write(describe(link))
            if progress_every and chains % progress_every == 0:
                self.stderr.write(f"… {chains} chains checked, {len(broken)} broken so far")
        return chains, broken

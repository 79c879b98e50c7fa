"""Check every audit hash chain (plan item 14); exit non-zero when one is broken.

Streams the table once, ordered by chain and sequence, so memory stays flat on
a city's whole history. Run it from cron or after a restore.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casework.audit import BrokenLink, chain_of, verify_chains
from casework.models import AuditEvent, Case


class Command(BaseCommand):
    help = "Verify the audit hash chains; report the first broken event of each broken chain."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--case", type=int, dest="case_id", help="Check only this case's chain.")
        parser.add_argument(
            "--progress-every", type=int, default=1000, metavar="N",
            help="Write a progress line to stderr every N chains (0: never).",
        )

    def handle(self, *args: Any, case_id: int | None, progress_every: int, **options: Any) -> None:
        only_chain = self._chain_of_case(case_id) if case_id is not None else None
        chains, broken = self._verify(only_chain, progress_every)
        events = AuditEvent.objects.filter(**({"chain": only_chain} if only_chain else {})).count()
        if only_chain is not None and chains == 0:
            # Every case's chain starts with its "created" event: none at all means rows are gone.
            raise CommandError(f"{only_chain} has no audit events.")
        self.stdout.write(f"{chains} chains, {events} events, {len(broken)} broken")
        if broken:
            raise CommandError(f"{len(broken)} broken audit chain(s); see the BROKEN lines above.")

    def _chain_of_case(self, case_id: int) -> str:
        case = Case.objects.filter(pk=case_id).first()
        if case is None:
            raise CommandError(f"No case with id {case_id}.")
        return chain_of(case)

    def _verify(self, only_chain: str | None, progress_every: int) -> tuple[int, list[BrokenLink]]:
        chains, broken = 0, []
        for _chain, link in verify_chains(only_chain=only_chain):
            chains += 1
            if link is not None:
                broken.append(link)
                self.stdout.write(
                    f"BROKEN event {link.event_id} chain {link.chain} seq {link.seq}: {link.reason}"
                )
            if progress_every and chains % progress_every == 0:
                self.stderr.write(f"… {chains} chains checked, {len(broken)} broken so far")
        return chains, broken

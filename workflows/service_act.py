"""Service machine (送达): pending → served.

One service act delivers one or more official documents to the subject in one go
(两书同达: the 失信认定决定书 and the 信用修复告知书 travel together). The act
records how and when it was served: in the portal (the read receipt when the
subject opens it), by post (the return-receipt date) or in person. Periods that run
"from service" start the day after; until then their clocks wait (the SLA hook).

The concrete model supplies ``apply_service(actor, data)``, which checks the method
and the date against the actor (a subject serves itself only through the portal).
"""

from datetime import date
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from workflows.guards import all_of, any_of
from workflows.payloads import choice, optional, payload, text
from workflows.rules import OWNER_STAFF, case_subject


class ServiceState(models.TextChoices):
    PENDING = "pending", _("Awaiting service")
    SERVED = "served", _("Served")

    @classmethod
    def open_states(cls) -> tuple[str, ...]:
        return (cls.PENDING,)

    @classmethod
    def terminal_states(cls) -> tuple[str, ...]:
        return (cls.SERVED,)


class ServiceMethod(models.TextChoices):
    PORTAL = "portal", _("In the portal (read receipt)")
    POST = "post", _("By post (return receipt)")
    IN_PERSON = "in_person", _("In person")


@payload
class Service:
    """How and when the documents reached the subject (the portal's read receipt takes none)."""

    method: ServiceMethod = choice(_("Method of service"), default=ServiceMethod.PORTAL)
    served_on: date | None = optional(_("Date of service (the return receipt's date)"))
    note: str = text(_("Note (e.g. return receipt number)"), required=False, max_length=200)


staff_or_subject = any_of(all_of(*OWNER_STAFF), all_of(case_subject))


class ServiceActMachine(FSMModelMixin, models.Model):
    state = FSMField(
        _("state"), default=ServiceState.PENDING, choices=ServiceState.choices, protected=True
    )

    class Meta:
        abstract = True

    @transition(
        field=state, source=ServiceState.PENDING, target=ServiceState.SERVED,
        permission=staff_or_subject, custom={"payload": Service},
    )
    def serve(self, actor: Any, data: Service) -> None:
        """The documents reached the subject; the method and date are checked by the model."""
        self.apply_service(actor, data)  # type: ignore[attr-defined]

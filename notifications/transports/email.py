"""Email through Django's email backend (EMAIL_BACKEND: console by default, SMTP in production)."""

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage

from notifications.models import Delivery
from notifications.transports.base import Transport, TransportError


class EmailTransport(Transport):
    channel = "email"

    def send(self, delivery: Delivery) -> None:
        address = delivery.recipient.email if delivery.recipient else ""
        if not address:
            raise TransportError("recipient has no email address", permanent=True)
        link = delivery.message.context.get("link", "")
        email = EmailMessage(
            subject=delivery.title, body=f"{delivery.body}\n\n{link}".strip(),
            from_email=settings.DEFAULT_FROM_EMAIL, to=[address],
            # The delivery key lets a mail system drop a resend after a worker crash.
            headers={"Message-ID": f"<{delivery.key.replace(':', '.')}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"},
        )
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as error:
            raise TransportError(f"recipient refused: {error}", permanent=True) from error
        except (smtplib.SMTPException, OSError) as error:
            raise TransportError(f"mail server: {error}") from error

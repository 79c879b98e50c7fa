"""Imported records keyed by subject (no document number) carried the subject's number in clear in
``natural_key`` ("subject|<number>|<bases>|<date>"): the number is replaced by its ciphertext as the
identifier column stores it (casework/crypto.py, casework migration 0014). Backwards restores it."""

from django.db import migrations

PREFIX = "subject|"


def rewrite(apps, transform) -> None:
    from casework import crypto

    ListEntry = apps.get_model("lists", "ListEntry")
    for entry in ListEntry.objects.filter(natural_key__startswith=PREFIX).only("pk", "natural_key"):
        _, number, rest = entry.natural_key.split("|", 2)
        changed = transform(crypto, number)
        if changed != number:
            ListEntry.objects.filter(pk=entry.pk).update(natural_key=f"{PREFIX}{changed}|{rest}")


def encrypt_keys(apps, schema_editor) -> None:
    rewrite(apps, lambda crypto, number: number if crypto.is_ciphertext(number) else crypto.encrypt(number))


def decrypt_keys(apps, schema_editor) -> None:
    rewrite(apps, lambda crypto, number: crypto.decrypt(number) if crypto.is_ciphertext(number) else number)


class Migration(migrations.Migration):
    dependencies = [
        ("lists", "0001_initial"),
        ("casework", "0014_encrypt_identifiers_and_read_log"),
    ]

    operations = [migrations.RunPython(encrypt_keys, decrypt_keys)]

"""Subjects' identifiers encrypted at rest, and the log of unmasked reads of them.

1. The identifier columns (Subject, CreditIndexEntry) become ``EncryptedIdentifierField``
   (AES-SIV, casework/crypto.py) and every existing row is encrypted in place with
   IDENTIFIER_KEY; backwards decrypts them again. Raw SQL, not the historical models: the
   field would try to decrypt the plain values it reads.
2. ``IdentifierRead`` (who read which natural person's whole number, when and why); on
   PostgreSQL a trigger refuses UPDATE and DELETE on it, as on the audit events.
"""

import casework.fields
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


TABLES = ("casework_subject", "casework_creditindexentry")
KEY_COLUMNS = {"casework_subject": "id", "casework_creditindexentry": "case_id"}
BATCH = 1000

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION casework_identifier_read_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'casework_identifierread is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER casework_identifierread_append_only
    BEFORE UPDATE OR DELETE ON casework_identifierread
    FOR EACH ROW EXECUTE FUNCTION casework_identifier_read_append_only();
"""

DROP_APPEND_ONLY = """
DROP TRIGGER IF EXISTS casework_identifierread_append_only ON casework_identifierread;
DROP FUNCTION IF EXISTS casework_identifier_read_append_only();
"""


def rewrite(schema_editor, transform, wanted) -> None:
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    for table in TABLES:
        key = KEY_COLUMNS[table]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {quote(key)}, identifier FROM {quote(table)}")
            rows = [(transform(value), pk) for pk, value in cursor.fetchall() if wanted(value)]
        for start in range(0, len(rows), BATCH):
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {quote(table)} SET identifier = %s WHERE {quote(key)} = %s",
                    rows[start:start + BATCH])


def encrypt_rows(apps, schema_editor) -> None:
    from casework import crypto

    rewrite(schema_editor, crypto.encrypt, lambda value: not crypto.is_ciphertext(value))


def decrypt_rows(apps, schema_editor) -> None:
    from casework import crypto

    rewrite(schema_editor, crypto.decrypt, crypto.is_ciphertext)


def append_only(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY, params=None)


def drop_append_only(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_APPEND_ONLY, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0013_statement'),
    ]

    operations = [
        migrations.AlterField(
            model_name='creditindexentry',
            name='identifier',
            field=casework.fields.EncryptedIdentifierField(db_index=True, max_length=80, verbose_name='identifier'),
        ),
        migrations.AlterField(
            model_name='subject',
            name='identifier',
            field=casework.fields.EncryptedIdentifierField(max_length=80, unique=True, verbose_name='identifier'),
        ),
        migrations.CreateModel(
            name='IdentifierRead',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('purpose', models.CharField(max_length=200, verbose_name='why (view or operation)')),
                ('path', models.CharField(blank=True, max_length=200, verbose_name='request path')),
                ('request_id', models.CharField(blank=True, max_length=64, verbose_name='request id')),
                ('read_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='read at')),
                ('department', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='casework.department', verbose_name="reader's department")),
                ('read_by', models.ForeignKey(blank=True, help_text='Empty for the system itself (a scheduled task).', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='read by')),
                ('subject', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='identifier_reads', to='casework.subject', verbose_name='subject')),
            ],
            options={
                'verbose_name': 'identifier read',
                'verbose_name_plural': 'identifier reads',
                'ordering': ['-read_at', '-pk'],
                'indexes': [models.Index(fields=['subject', 'read_at'], name='identifier_read_subject'), models.Index(fields=['read_by', 'read_at'], name='identifier_read_reader')],
            },
        ),
        migrations.RunPython(encrypt_rows, decrypt_rows),
        migrations.RunPython(append_only, drop_append_only),
    ]

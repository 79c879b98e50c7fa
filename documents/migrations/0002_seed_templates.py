"""Load the shipped document texts (documents/texts/) as editable templates."""

from django.db import migrations


def load(apps, schema_editor):
    from documents.seed import load as load_texts

    load_texts(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

"""Load the shipped text of the monthly 通报 (documents/texts/<language>/circular.html).

``documents.seed.load`` adds only the missing templates: the texts the office edited stay.
"""

from django.db import migrations


def load(apps, schema_editor):
    from documents.seed import load as load_texts

    load_texts(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("documents", "0003_caseless_documents")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

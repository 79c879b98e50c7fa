from django.db import migrations


def load_defaults(apps, schema_editor):
    """The 辽宁 layer's row of the window after exit (objection_after_exit, jurisdiction 辽宁)."""
    from importlib import import_module

    import_module("workflows.migrations.0004_default_policies").load(apps, schema_editor)


def unload_row(apps, schema_editor):
    apps.get_model("workflows", "Policy").objects.filter(
        step="objection_after_exit", jurisdiction="辽宁").delete()


class Migration(migrations.Migration):

    dependencies = [
        ('workflows', '0021_objection_after_exit'),
    ]

    operations = [
        migrations.RunPython(load_defaults, unload_row),
    ]

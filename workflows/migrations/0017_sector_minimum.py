"""The sector rows of 国家发展改革委令第58号 (a migration of their own: on PostgreSQL the
rows' deletion and the columns' removal cannot share one transaction when unapplied)."""

from django.db import migrations


def load_defaults(apps, schema_editor):
    """The one-year minimum publication of five fields (workflows/policy_defaults.py)."""
    from importlib import import_module

    import_module("workflows.migrations.0004_default_policies").load(apps, schema_editor)


def unload_sectors(apps, schema_editor):
    apps.get_model("workflows", "Policy").objects.exclude(sector="").delete()


class Migration(migrations.Migration):

    dependencies = [
        ('workflows', '0016_policy_sector_and_basis'),
    ]

    operations = [
        migrations.RunPython(load_defaults, unload_sectors),
    ]

"""Load the default SLA policies, each with its legal source (workflows/policy_defaults.py)."""

from django.db import migrations


def load(apps, schema_editor):
    from workflows.policy_defaults import DEFAULT_POLICIES

    Policy = apps.get_model("workflows", "Policy")
    # Later migrations add columns (and their defaults): load only what this model state has.
    known = {field.name for field in Policy._meta.get_fields()}
    for row in DEFAULT_POLICIES:
        key = {field: row.get(field, "") for field in ("step", "list_type", "dishonesty_class",
                                                       "jurisdiction")}
        defaults = {name: value for name, value in row.items() if name in known}
        Policy.objects.update_or_create(**key, effective_from=row["effective_from"], defaults=defaults)


def unload(apps, schema_editor):
    apps.get_model("workflows", "Policy").objects.filter(jurisdiction="").delete()


class Migration(migrations.Migration):
    dependencies = [("workflows", "0003_sla")]
    operations = [migrations.RunPython(load, unload)]

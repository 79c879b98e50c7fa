"""Load the default SLA policies, each with its legal source (workflows/policy_defaults.py)."""

from django.db import migrations


def load(apps, schema_editor):
    from workflows.policy_defaults import DEFAULT_POLICIES

    Policy = apps.get_model("workflows", "Policy")
    # Later migrations add columns (and their defaults): load only what this model state has.
    known = {field.name for field in Policy._meta.get_fields()}
    # Later migrations add steps too: load only the steps this model state knows (its choices,
    # which the policy_step_valid constraint mirrors); the migration adding a step loads its rows.
    steps = {value for value, _label in Policy._meta.get_field("step").choices}
    axes = [field for field in ("step", "list_type", "dishonesty_class", "jurisdiction", "sector")
            if field in known]
    # ... and only the steps it knows (a later migration adds a step with its rows).
    steps = {value for value, _label in Policy._meta.get_field("step").choices}
    for row in DEFAULT_POLICIES:
        if row["step"] not in steps:
            continue
        if any(row.get(field) and field not in known for field in ("sector", "legal_basis")):
            continue  # a row of an axis this model state does not have yet: a later load adds it
        key = {field: row.get(field, "") for field in axes}
        if "legal_basis" in known:  # the shipped rows are for no one basis (an office adds those)
            key["legal_basis"] = None
        defaults = {name: value for name, value in row.items() if name in known}
        Policy.objects.update_or_create(**key, effective_from=row["effective_from"], defaults=defaults)


def unload(apps, schema_editor):
    apps.get_model("workflows", "Policy").objects.filter(jurisdiction="").delete()


class Migration(migrations.Migration):
    dependencies = [("workflows", "0003_sla")]
    operations = [migrations.RunPython(load, unload)]

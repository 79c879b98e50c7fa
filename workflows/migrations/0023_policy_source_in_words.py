"""The 从旧兼从轻 sentence of the publication rows says what happens, not which command runs.

The rows' ``source`` is shown to staff and subjects (the portal's clocks, the workbench
timeline, the notices); it named the operator command ``manage.py sla_recompute``. The
sentence is reworded in every row that carries it, an office's own rows included.
"""

from django.db import migrations
from django.db.models import Value
from django.db.models.functions import Replace

OLD = "manage.py sla_recompute 在新规则生效后重新计算在途的公示期。"
NEW = "新规则生效之日，尚在公示的记录按较轻的新规则重新计算公示期，并记入其时间线。"


def reword(old, new):
    def run(apps, schema_editor):
        Policy = apps.get_model("workflows", "Policy")
        Policy.objects.filter(source__contains=old).update(
            source=Replace("source", Value(old), Value(new))
        )
    return run


class Migration(migrations.Migration):

    dependencies = [
        ("workflows", "0022_liaoning_objection_after_exit"),
    ]

    operations = [
        migrations.RunPython(reword(OLD, NEW), reword(NEW, OLD)),
    ]

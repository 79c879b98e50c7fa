"""Four indexes of workflows_deadline that no query needs, dropped (13 -> 9).

The sweep's batch UPDATE changes next_fire_at, which deadline_due_fire indexes, so it is never
a HOT update: every index whose condition a swept row meets gets a new entry for each row (of
the UPDATE of 500 clocks, 81 ms, 65 ms was maintaining the 13 indexes). Each index kept must
serve a query:

- deadline_case_state (case, state): a case's clocks are read by case (timeline, hooks,
  serializers) and its open ones by closed_at, never by state; the foreign key's own index
  on case_id serves them.
- the foreign-key index on target_type_id: every read by target (hooks, serializers, tasks)
  also names target_id, so deadline_target_step (target_type, target_id, step) serves it.
- the foreign-key index on policy_id: no query reads a policy's clocks (the rule-set
  boundaries walk the open clocks by id and join the policy).
- the foreign-key index on department_id: a department's clocks are read only through the
  partial indexes made for those reads: deadline_open_tracked (dashboard, oversight lists),
  deadline_inbox (the inbox) and deadline_closed_assessed (the assessment).

Deleting a policy or a department (PROTECT refuses it while clocks refer to it; neither is
deleted by the code) now scans the table.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0021_measure_task_wrong_listing_notice'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('workflows', '0024_boundary_resume_after'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='deadline',
            name='deadline_case_state',
        ),
        migrations.AlterField(
            model_name='deadline',
            name='department',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='deadlines', to='casework.department', verbose_name='responsible department'),
        ),
        migrations.AlterField(
            model_name='deadline',
            name='policy',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='deadlines', to='workflows.policy'),
        ),
        migrations.AlterField(
            model_name='deadline',
            name='target_type',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='contenttypes.contenttype'),
        ),
    ]

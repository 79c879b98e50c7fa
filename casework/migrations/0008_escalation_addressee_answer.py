"""督办 on a department's overdue set and the chased department's answer.

Existing notes chase a case: their addressee is the case's owner department.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def address_existing_notes(apps, schema_editor):
    note_model = apps.get_model("casework", "EscalationNote")
    for note in note_model.objects.filter(addressee__isnull=True).select_related("case"):
        note.addressee_id = note.case.owner_department_id
        note.save(update_fields=["addressee"])


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0007_credit_check_log'),
    ]

    operations = [
        migrations.CreateModel(
            name='EscalationAnswer',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('text', models.CharField(max_length=2000, verbose_name='text')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='answered at')),
            ],
            options={
                'verbose_name': 'escalation answer',
                'verbose_name_plural': 'escalation answers',
            },
        ),
        migrations.AddField(
            model_name='escalationnote',
            name='addressee',
            field=models.ForeignKey(help_text="The department that must answer: the case's owner, or the department chased.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='escalation_notes_received', to='casework.department', verbose_name='department chased'),
        ),
        migrations.RunPython(address_existing_notes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='escalationnote',
            name='addressee',
            field=models.ForeignKey(help_text="The department that must answer: the case's owner, or the department chased.", on_delete=django.db.models.deletion.PROTECT, related_name='escalation_notes_received', to='casework.department', verbose_name='department chased'),
        ),
        migrations.AddField(
            model_name='escalationnote',
            name='overdue_count',
            field=models.PositiveIntegerField(blank=True, help_text="For a department's overdue set: how many of its deadlines were overdue.", null=True, verbose_name='overdue deadlines chased'),
        ),
        migrations.AlterField(
            model_name='escalationnote',
            name='case',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='escalation_notes', to='casework.case', verbose_name='case'),
        ),
        migrations.AddIndex(
            model_name='escalationnote',
            index=models.Index(fields=['addressee', 'created_at'], name='escalation_note_addressee'),
        ),
        migrations.AddIndex(
            model_name='objection',
            index=models.Index(condition=models.Q(('decided_at__isnull', False)), fields=['decided_at'], name='objection_decided'),
        ),
        migrations.AddField(
            model_name='escalationanswer',
            name='author',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='author'),
        ),
        migrations.AddField(
            model_name='escalationanswer',
            name='department',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='casework.department', verbose_name='answering department'),
        ),
        migrations.AddField(
            model_name='escalationanswer',
            name='note',
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='answer', to='casework.escalationnote', verbose_name='escalation note'),
        ),
        migrations.AddConstraint(
            model_name='escalationanswer',
            constraint=models.CheckConstraint(condition=models.Q(('text', ''), _negated=True), name='escalation_answer_text_not_empty'),
        ),
    ]

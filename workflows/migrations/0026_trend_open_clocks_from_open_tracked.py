"""The trend's open clocks read from deadline_open_tracked; its late index holds closed clocks only.

deadline_late_tracked held the tracked clocks that are open or closed after their due time, for
the dashboard's trend (oversight.dashboard.overdue_at). Its open part duplicated
deadline_open_tracked (open tracked clocks) and cost the SLA sweep one index entry per swept
row (the sweep's UPDATE is never HOT: next_fire_at is indexed). Now deadline_open_tracked also
covers opened_at, so the trend's open clocks are an index-only scan of it, and
deadline_closed_late (closed_at) INCLUDE (due_at, opened_at) holds only the tracked clocks
closed after their due time, which no sweep touches.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('workflows', '0025_deadline_fewer_indexes'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='deadline',
            name='deadline_open_tracked',
        ),
        migrations.RemoveIndex(
            model_name='deadline',
            name='deadline_late_tracked',
        ),
        migrations.AddIndex(
            model_name='deadline',
            index=models.Index(condition=models.Q(('closed_at__isnull', True), ('step__in', ('statement_window', 'objection_accept', 'objection_decide', 'objection_re_review', 'record_withdrawal', 'rectification_period', 'rectification_verify', 'talk_schedule', 'talk_record', 'measure_acknowledge', 'measure_report', 'measure_terminate', 'repair_decide', 'repair_answer'))), fields=['department', 'step', 'due_on'], include=('state', 'due_at', 'opened_at'), name='deadline_open_tracked'),
        ),
        migrations.AddIndex(
            model_name='deadline',
            index=models.Index(condition=models.Q(('step__in', ('statement_window', 'objection_accept', 'objection_decide', 'objection_re_review', 'record_withdrawal', 'rectification_period', 'rectification_verify', 'talk_schedule', 'talk_record', 'measure_acknowledge', 'measure_report', 'measure_terminate', 'repair_decide', 'repair_answer')), ('closed_at__gt', models.F('due_at'))), fields=['closed_at'], include=('due_at', 'opened_at'), name='deadline_closed_late'),
        ),
    ]

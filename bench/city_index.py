"""The city's credit index (信用前置筛查): one row per listed case, derived in SQL after the load.

The same row ``casework.indexing.entry_fields`` writes for a listed case, for every listed
case at once: the subject's identifier (its ciphertext, as stored), the case's list and
dates, whether an objection is open, its live measure tasks, its talks held or refused,
and the subject's repair history (granted and revoked repairs, oldest first).
"""

from typing import Any

FILL = """
INSERT INTO casework_creditindexentry (case_id, identifier, list_type, case_number, owner_department,
    listed_from, listed_until, objection_open, measures, talks, repairs, updated_at)
SELECT c.id, s.identifier, c.list_type, c.number, d.name, c.listed_from, c.listed_until,
    EXISTS (SELECT 1 FROM casework_objection o WHERE o.case_id = c.id AND o.state = ANY(%(open)s)),
    coalesce((SELECT jsonb_agg(jsonb_build_object('code', m.code, 'title', m.title,
                  'department', j.code, 'department_id', j.id, 'state', t.state) ORDER BY t.id)
              FROM casework_measuretask t JOIN casework_measure m ON m.id = t.measure_id
              JOIN casework_department j ON j.id = t.department_id
              WHERE t.case_id = c.id AND t.state = ANY(%(live)s)), '[]'),
    coalesce((SELECT jsonb_agg(jsonb_build_object('id', k.id, 'kind', k.kind, 'result', k.state,
                  'outcome', k.outcome, 'on', to_char(timezone(%(zone)s,
                  CASE k.state WHEN 'held' THEN k.held_at ELSE k.refused_at END), 'YYYY-MM-DD'))
                  ORDER BY k.id)
              FROM casework_talk k WHERE k.case_id = c.id AND k.state = ANY(%(talks)s)), '[]'),
    coalesce(r.history, '[]'), now()
FROM casework_case c
JOIN casework_subject s ON s.id = c.subject_id
JOIN casework_department d ON d.id = c.owner_department_id
LEFT JOIN (
    SELECT rc.subject_id, jsonb_agg(jsonb_build_object('case_number', rc.number,
               'approved_on', to_char(timezone(%(zone)s, a.decided_at), 'YYYY-MM-DD'),
               'revoked_on', to_char(timezone(%(zone)s, a.revoked_at), 'YYYY-MM-DD'),
               'barred_until', to_char(a.barred_until, 'YYYY-MM-DD'))
               ORDER BY a.decided_at, a.id) AS history
    FROM casework_repairapplication a JOIN casework_case rc ON rc.id = a.case_id
    WHERE a.state = ANY(%(repairs)s)
    GROUP BY rc.subject_id
) r ON r.subject_id = c.subject_id
WHERE c.state = 'listed' AND c.listed_from IS NOT NULL
"""


def fill_credit_index(cursor: Any) -> int:
    """Index every listed case; returns the rows written."""
    from django.conf import settings

    from casework.indexing import REPAIR_RECORDED, TALK_RECORDED
    from workflows.measure_task import LIVE_STATES
    from workflows.objection import ObjectionState

    cursor.execute(FILL, {"open": [str(state) for state in ObjectionState.open_states()],
                          "live": [str(state) for state in LIVE_STATES],
                          "talks": [str(state) for state in TALK_RECORDED],
                          "repairs": [str(state) for state in REPAIR_RECORDED],
                          "zone": settings.TIME_ZONE})
    return int(cursor.rowcount)

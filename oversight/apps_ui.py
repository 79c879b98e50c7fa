"""The oversight pages as applications of the staff site (workbench/site.py, docs/ui.md).

``OversightApplication`` is the leadership office's home (``/oversight/``);
``SupervisionApplication`` is where a department reads and answers its 督办意见
(``/supervision/``). Both are listed in ``settings.WORKBENCH_APPLICATIONS``.
"""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from casework.choices import Role
from oversight import views, views_notes
from workbench.apps_ui import WorkbenchApplication
from workbench.roles import DEPARTMENT_STAFF, role_in


class OversightApplication(WorkbenchApplication):
    app_name = "oversight"
    title = _("Oversight")
    icon = "insights"
    permission = role_in(Role.LEADERSHIP, Role.ADMIN)
    index_path = path("", views.DashboardView.as_view(), name="index")
    board_path = path("board/", views.BoardRowsView.as_view(), name="board")
    clocks_path = path("clocks/", views.ClockListView.as_view(), name="clocks")
    assessment_path = path("assessment/", views.AssessmentView.as_view(), name="assessment")
    report_path = path("report/", views.ReportView.as_view(), name="report")
    circular_path = path("report/circular.pdf", views.CircularView.as_view(), name="circular")
    export_path = path("export/<str:name>.<str:fmt>", views.ExportView.as_view(), name="export")
    case_note_path = path("cases/<int:pk>/note/", views_notes.CaseNoteView.as_view(), name="case_note")
    department_note_path = path("departments/<slug:code>/note/", views_notes.DepartmentNoteView.as_view(),
                                name="department_note")


class SupervisionApplication(WorkbenchApplication):
    app_name = "supervision"
    title = _("Supervision notes (督办意见)")
    icon = "campaign"
    permission = role_in(*DEPARTMENT_STAFF, Role.JOINT, Role.LEADERSHIP)
    index_path = path("", views_notes.NoteInboxView.as_view(), name="index")
    answer_path = path("<int:pk>/answer/", views_notes.AnswerView.as_view(), name="answer")

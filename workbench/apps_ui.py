"""The workbench's viewflow applications: one per audience, each a menu entry of the site."""

from typing import Any

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application

from casework.choices import Role
from workbench.roles import DEPARTMENT_STAFF, role_allowed
from workbench.views import cases, inbox, messages, opening, placeholder, tasks, transitions


class WorkbenchApplication(Application):
    """An application whose pages are plain views (no child viewsets: the site menu lists it).

    ``roles``: who sees it in the menu and may open its pages; anonymous visitors are sent to
    sign in by the views themselves.
    """

    menu_template_name = None
    base_template_name = "workbench/base.html"
    roles: tuple[str, ...] = ()

    def has_view_permission(self, user: Any, obj: Any = None) -> bool:
        permission = self.permission if isinstance(self.permission, tuple) else ()
        return role_allowed(user, self.roles or permission)


class InboxApplication(WorkbenchApplication):
    app_name = "inbox"
    title = _("Inbox")
    icon = "inbox"
    roles = (*DEPARTMENT_STAFF,)
    index_path = path("", inbox.InboxView.as_view(), name="index")
    rows_path = path("rows/", inbox.InboxRowsView.as_view(), name="rows")
    counts_path = path("counts/", inbox.InboxCountsView.as_view(), name="counts")


class CasesApplication(WorkbenchApplication):
    app_name = "cases"
    title = _("Cases")
    icon = "folder_open"
    roles = (*DEPARTMENT_STAFF, Role.LEADERSHIP, Role.JOINT, Role.NDRC, Role.SUBJECT)
    index_path = path("", cases.CaseListView.as_view(), name="index")
    new_path = path("new/", opening.CaseOpenView.as_view(), name="new")
    create_step_path = path("<int:pk>/new/<str:action>/", opening.CreateStepView.as_view(),
                            name="create_step")
    detail_path = path("<int:pk>/", cases.CaseDetailView.as_view(), name="detail")
    transition_path = path("<int:pk>/<str:kind>/<int:step_pk>/<str:name>/",
                           transitions.TransitionView.as_view(), name="transition")
    evidence_path = path("<int:pk>/evidence/", opening.EvidenceUploadView.as_view(), name="evidence")


class TasksApplication(WorkbenchApplication):
    app_name = "tasks"
    title = _("Measure tasks")
    icon = "gavel"
    roles = (Role.JOINT,)
    index_path = path("", tasks.MeasureTaskListView.as_view(), name="index")


class TalksApplication(WorkbenchApplication):
    app_name = "talks"
    title = _("Talks")
    icon = "forum"
    roles = (Role.NDRC,)
    index_path = path("", tasks.TalkListView.as_view(), name="index")


class OversightPlaceholderApplication(WorkbenchApplication):
    """The leadership office's home until the oversight pages are installed in its place."""

    app_name = "oversight"
    title = _("Oversight")
    icon = "insights"
    roles = (Role.LEADERSHIP,)
    index_path = path("", placeholder.OversightPlaceholderView.as_view(), name="index")


class MessagesApplication(WorkbenchApplication):
    app_name = "messages"
    title = _("My messages")
    icon = "notifications"
    roles = (*DEPARTMENT_STAFF, Role.LEADERSHIP, Role.JOINT, Role.NDRC, Role.SUBJECT)
    index_path = path("", messages.MessageListView.as_view(), name="index")
    read_path = path("read/", messages.MarkReadView.as_view(), name="read")

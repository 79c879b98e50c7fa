"""Routes of ``/api/v1/oversight/`` (mounted in config/urls.py, documented in the OpenAPI schema)."""

from django.urls import path, re_path

from oversight import api

urlpatterns = [
    path("dashboard/", api.DashboardView.as_view(), name="oversight-dashboard"),
    path("clocks/", api.ClockListView.as_view(), name="oversight-clocks"),
    path("assessment/", api.AssessmentView.as_view(), name="oversight-assessment"),
    path("notes/", api.NoteListView.as_view(), name="oversight-notes"),
    path("notes/<int:pk>/answer/", api.AnswerNoteView.as_view(), name="oversight-note-answer"),
    path("circulars/", api.CircularListView.as_view(), name="oversight-circulars"),
    re_path(r"^circulars/(?P<month>\d{4}-(?:0[1-9]|1[0-2]))/pdf/$", api.CircularPdfView.as_view(),
            name="oversight-circular-pdf"),
    path("departments/<slug:code>/escalation-notes/", api.ChaseDepartmentView.as_view(),
         name="oversight-chase-department"),
]

from django.urls import path

from portal.views import subject

app_name = "portal"
urlpatterns = [
    path("", subject.home, name="index"),
    path("cases/<int:pk>/", subject.case_detail, name="case"),
    path("cases/<int:pk>/objection/", subject.file_objection, name="objection"),
    path("cases/<int:pk>/statement/", subject.submit_statement, name="statement"),
    path("cases/<int:pk>/waiver/", subject.waive_statement, name="waiver"),
    path("cases/<int:pk>/repair/", subject.apply_repair, name="repair"),
    path("cases/<int:pk>/rectifications/<int:step_pk>/", subject.submit_rectification,
         name="rectification"),
]

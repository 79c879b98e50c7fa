from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from casework.api import accounts, credit_views, statements, transitions, views
from documents import api as documents_api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("departments", views.DepartmentViewSet, basename="department")
router.register("legal-bases", views.LegalBasisViewSet, basename="legal-basis")
router.register("measures", views.MeasureViewSet, basename="measure")
router.register("subjects", views.SubjectViewSet, basename="subject")
router.register("cases", views.CaseViewSet, basename="case")
router.register("objections", views.ObjectionViewSet, basename="objection")
router.register("rectifications", views.RectificationViewSet, basename="rectification")
router.register("talks", views.TalkViewSet, basename="talk")
router.register("measure-tasks", views.MeasureTaskViewSet, basename="measure-task")
router.register("repairs", views.RepairViewSet, basename="repair")
router.register("statements", statements.StatementViewSet, basename="statement")
router.register("service-acts", documents_api.ServiceActViewSet, basename="service-act")
router.register("documents", documents_api.DocumentViewSet, basename="document")
router.register("evidence", views.EvidenceViewSet, basename="evidence")
router.register("credit-checks", credit_views.CreditCheckLogViewSet, basename="credit-check-log")
router.register("public/listings", views.PublicListingViewSet, basename="public-listing")
router.register("public/exits", views.PublicExitViewSet, basename="public-exit")
router.register("users", accounts.AccountViewSet, basename="user")
router.register("tokens", accounts.TokenViewSet, basename="token")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view loads its start-up script as a file: no inline script under the CSP.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema",
                                                      template_name="operations/swagger_ui.html"),
         name="api-docs"),
    path("credit-check/<str:identifier>/", credit_views.CreditCheckView.as_view(), name="credit-check"),
    *transitions.urlpatterns(),
    *router.urls,
]

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/oversight/", include("oversight.api_urls")),
    path("api/v1/", include("casework.api.urls")),
    path("", include("operations.urls")),
]

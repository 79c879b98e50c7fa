from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from workbench.site import site
from workbench.views.home import LoginView, home


def favicon(request: HttpRequest) -> HttpResponseRedirect:
    return HttpResponseRedirect(static("viewflow/img/favicon.png"))


urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/oversight/", include("oversight.api_urls")),
    path("api/v1/", include("casework.api.urls")),
    path("documents/", include("documents.urls")),
    path("portal/", include("portal.urls")),
    path("public/", include("portal.public_urls")),
    path("", include("operations.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Browsers ask for /favicon.ico on a page that names no icon (a printable report, a document):
    # the site's icon (its hashed static name), never a 404 in the console.
    path("favicon.ico", favicon, name="favicon"),
    # `/`: sign in, then the role's home. Before the site, whose own index would answer here.
    path("", home, name="home"),
    path("", site.urls),
]

"""The staff site: one viewflow ``Site`` whose applications are listed in settings.

``settings.WORKBENCH_APPLICATIONS`` names each application's class (dotted path), in menu
order; another app (the subject portal, the oversight pages) adds its pages by appending
its own viewflow ``Application`` there (docs/ui.md). viewflow is used as published.
"""

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application, Site


class WorkbenchSite(Site):
    title = _("Credit supervision workbench")
    # The theme colours are set in workbench.css: viewflow would write them in an inline
    # <style>, which the Content-Security-Policy (style-src 'self') refuses.


def build_site() -> WorkbenchSite:
    applications: list[Application] = [import_string(path)() for path in settings.WORKBENCH_APPLICATIONS]
    return WorkbenchSite(viewsets=applications)


site = build_site()

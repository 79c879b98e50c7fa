"""Pages speak zh-Hans unless the person picked another language with the switch.

LocaleMiddleware would follow the browser's Accept-Language; a city office's pages
are Chinese first whatever the browser says, and English is one click away (the
switch sets Django's language cookie). The API keeps Accept-Language: other systems
choose the language of their error messages.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

API_PREFIX = "/api/"


class PagesLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if not request.path.startswith(API_PREFIX) and not chosen:
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
        return self.get_response(request)

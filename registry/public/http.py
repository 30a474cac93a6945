"""What every public page answers besides its body: a Content-Security-Policy that allows
nothing from another origin, the reader's language remembered from ``?lang=``, and the
headers under which an unchanged page is revalidated (ETag / Last-Modified) rather than sent
again."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponseRedirect
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers

from registry import data_version

#: Everything from the app's own origin only: no
#: inline script or style, no frames, forms only to the app.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

#: The languages of the public pages (the admin and the API keep Vietnamese and English).
PUBLIC_LANGUAGES = ("vi", "en", "zh-hans")


def content_security_policy(view):
    """Adds the policy to a page's every answer (the open-data catalogue, the subscriptions
    page, and through ``public_page`` the public pages)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return response

    return wrapped


def public_page(view):
    """Wraps a public view: ``?lang=xx`` sets the language cookie and redirects to the same
    URL without it; the data version is read once; every answer gets the CSP, ``Vary`` on the language's sources, and
    revalidation on each use (``no-cache``: the ETag makes that cheap)."""

    with_policy = content_security_policy(view)

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        asked = request.GET.get("lang")
        if asked is not None:
            return _remember_language(request, asked)
        with data_version.one_version():  # reference tables: the version read once
            response = with_policy(request, *args, **kwargs)
        response.setdefault("Referrer-Policy", "same-origin")
        patch_vary_headers(response, ("Cookie", "Accept-Language"))
        if request.user.is_authenticated:
            patch_cache_control(response, private=True, no_cache=True)
        else:
            patch_cache_control(response, public=True, no_cache=True)
        return response

    return wrapped


def _remember_language(request, asked: str):
    rest = [(k, v) for k in request.GET if k != "lang" for v in request.GET.getlist(k)]
    target = request.path + (f"?{urlencode(rest)}" if rest else "")
    response = HttpResponseRedirect(target)
    language = asked.lower()
    if language in PUBLIC_LANGUAGES:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE or 365 * 24 * 3600,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response


class AdminLanguagesMiddleware:
    """After LocaleMiddleware: Chinese (``PUBLIC_ONLY_LANGUAGES``) is offered on the public
    pages only. The admin and the
    API have no Chinese catalogue of their own, so there a reader who asks for Chinese gets
    the default language (Vietnamese), as before Chinese existed."""

    OUTSIDE = ("/admin/", "/api/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = translation.get_language() or ""
        public_only = language in settings.PUBLIC_ONLY_LANGUAGES
        if public_only and request.path.startswith(self.OUTSIDE):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
        return self.get_response(request)

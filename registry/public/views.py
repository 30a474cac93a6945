"""The public pages. Each is a few lines: reading is in ``pages`` / ``listing``, the validator
in ``stamps``, the headers in ``http``."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language, gettext
from django.views.decorators.http import condition, require_safe

from registry.public import listing, pages, qr, stamps
from registry.public.http import public_page
from registry.rules import dates

#: QR images, keyed by the URL they encode (a code is never deleted or reused).
QR_CACHE_SECONDS = 24 * 3600


def _language() -> str:
    return get_language() or settings.LANGUAGE_CODE


class CodePage:
    """``/codes/<code>/`` and ``/packing-houses/<code>/``: one code's verdicts, details and
    timeline, revalidated by its ETag and served from the page cache while unchanged."""

    def __init__(self, subject: pages.Subject, stamp_lookup, template: str, url_name: str):
        self.subject = subject
        self.stamp_lookup = stamp_lookup
        self.template = template
        self.url_name = url_name

    def stamp(self, request, code):
        if not hasattr(request, "_public_stamp"):
            request._public_stamp = stamps.read(self.stamp_lookup, code)
        return request._public_stamp

    def etag(self, request, code):
        stamp = self.stamp(request, code)
        return stamp and stamp.etag(dates.today(), _language())

    def last_modified(self, request, code):
        stamp = self.stamp(request, code)
        return stamp and stamp.last_modified(dates.today())

    def view(self, request, code):
        stamp = self.stamp(request, code)
        if stamp is None:
            return self.missing(request, code)
        # Rendered pages are kept under their ETag: never stale, whatever changes.
        key = f"public:page:{self.url_name}:{stamp.etag(dates.today(), _language())}"
        seconds = settings.PUBLIC_PAGE_CACHE_SECONDS
        html = caches["default"].get(key) if seconds else None
        if html is None:
            context = pages.page_context(self.subject, stamp.code, dates.today())
            html = render_to_string(self.template, context, request)
            if seconds:
                caches["default"].set(key, html, seconds)
        return HttpResponse(html)

    def missing(self, request, code):
        """Another spelling of a known code redirects to it; an unknown code gets its page."""
        canonical = pages.canonical_code(self.subject.model, code)
        if canonical is not None and canonical != code:
            return HttpResponsePermanentRedirect(reverse(self.url_name, args=[canonical]))
        context = {"code": code, "kind": self.url_name}
        return render(request, "public/not_found.html", context, status=404)

    def as_view(self):
        return require_safe(
            public_page(
                condition(etag_func=self.etag, last_modified_func=self.last_modified)(self.view)
            )
        )


area_code_page = CodePage(
    pages.AREA_CODES, stamps.AREA_CODE_STAMP, "public/code.html", "public:code"
).as_view()
packing_house_page = CodePage(
    pages.PACKING_HOUSES,
    stamps.PACKING_HOUSE_STAMP,
    "public/packing_house.html",
    "public:packing-house",
).as_view()


@require_safe
@public_page
def search(request):
    context = listing.search(request)
    return render(request, "public/search.html", context, status=context["status"])


@require_safe
@public_page
def stats(request):
    return render(request, "public/stats.html", listing.statistics(dates.today()))


# --- QR codes and labels ---------------------------------------------------------------------


def _qr_view(kind: str, url_name: str, model):
    content_type = {"svg": "image/svg+xml", "png": "image/png"}[kind]

    @require_safe
    @public_page
    def view(request, code):
        url = listing.page_url(request, url_name, code)
        key = "public:qr:" + hashlib.blake2b(f"{kind}|{url}".encode(), digest_size=16).hexdigest()
        cache = caches["default"]
        body = cache.get(key)
        if body is None:
            if not model.objects.filter(code=code).exists():
                canonical = pages.canonical_code(model, code)
                if canonical is None:
                    return render(request, "public/not_found.html", {"code": code}, status=404)
                return HttpResponsePermanentRedirect(
                    reverse(f"{url_name}-qr-{kind}", args=[canonical])
                )
            if kind == "png":
                body = qr.png(url, code)
            else:
                body = qr.svg(
                    url, code, gettext("QR code of the page of %(code)s") % {"code": code}
                )
            cache.set(key, body, QR_CACHE_SECONDS)
        etag = '"' + key.rsplit(":", 1)[1] + '"'
        if etag in request.headers.get("If-None-Match", ""):
            response = HttpResponse(status=304)
        else:
            response = HttpResponse(body, content_type=content_type)
        response["ETag"] = etag
        return response

    return view


code_qr_svg = _qr_view("svg", "public:code", pages.AreaCode)
code_qr_png = _qr_view("png", "public:code", pages.AreaCode)
packing_house_qr_svg = _qr_view("svg", "public:packing-house", pages.PackingHouse)
packing_house_qr_png = _qr_view("png", "public:packing-house", pages.PackingHouse)


@require_safe
@public_page
def code_label(request, code):
    """One printable A6 label: code, cooperative, crop and the QR code."""
    context = listing.labels(request, pages.AreaCode.objects.filter(code=code))
    if not context["labels"]:
        canonical = pages.canonical_code(pages.AreaCode, code)
        if canonical is None:
            return render(request, "public/not_found.html", {"code": code}, status=404)
        return HttpResponsePermanentRedirect(reverse("public:code-label", args=[canonical]))
    return render(request, "public/labels.html", context)

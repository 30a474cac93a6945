"""JSON errors everywhere under /api/: DRF's handler for API exceptions, and Django's 400, 403,
404 and 500 handlers answering JSON for /api/ paths: a path no view matched, and errors raised
before or outside a view (a disallowed Host header, a body over DATA_UPLOAD_MAX_MEMORY_SIZE,
a NUL byte in the path: config.hostile)."""

from django.core.exceptions import DisallowedHost, RequestDataTooBig
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework.views import exception_handler


def json_exception_handler(exc, context):
    response = exception_handler(exc, context)
    if response is not None and isinstance(response.data, list):
        response.data = {"detail": response.data}
    return response


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def bad_request(request, exception=None):
    if _is_api(request):
        if isinstance(exception, RequestDataTooBig):
            detail = _("The request body is too large.")
        elif isinstance(exception, DisallowedHost):
            detail = _("The Host header names a host this server does not serve.")
        else:
            detail = _("Bad request.")
        return JsonResponse({"detail": detail}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    if _is_api(request):
        return JsonResponse({"detail": _("You may not do this.")}, status=403)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception=None):
    if _is_api(request):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return JsonResponse({"detail": _("Server error.")}, status=500)
    return defaults.server_error(request)

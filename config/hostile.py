"""Input no view should see: a NUL byte in the path or the query string.

PostgreSQL cannot even compare text holding NUL (it raises, a 500), and no key, filter or
search term holds one. A path with NUL names nothing: 404 (JSON under /api/, by the 404
handler). A query parameter with NUL: 400 naming the parameter (JSON under /api/, a plain
page elsewhere, e.g. the admin's add forms and list filters).
"""

from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

NUL = "\x00"


class HostileInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if NUL in request.path:
            raise Http404(_("No such page."))
        refused = [
            name
            for name, values in request.GET.lists()
            if NUL in name or any(NUL in value for value in values)
        ]
        if refused:
            message = _("Null characters are not allowed.")
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {name.replace(NUL, "\\0"): [message] for name in refused}, status=400
                )
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

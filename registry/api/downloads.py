"""``?format=csv`` (or ``Accept: text/csv``) on a list: every matching row as a streamed CSV,
filtered by the same FilterSet as the JSON list, without pagination."""

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer

from registry import exports
from registry.tables import TABLES_BY_MODEL

NOT_FILTERS = {"format", "limit", "offset", "lang"}


class CSVRenderer(BaseRenderer):
    """Selects CSV by content negotiation; the list view streams the body itself."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        raise NotImplementedError("CSV responses are streamed by CSVDownloadMixin.list")


class CSVDownloadMixin:
    renderer_classes = [JSONRenderer, CSVRenderer]
    extra_query_parameters = frozenset({"lang"})

    def get_renderers(self):
        # Only the list downloads CSV: a detail, history, status changes or the bulk check
        # asked for CSV answer 406 (not a renderer that cannot render).
        if getattr(self, "action", None) != "list":
            return [JSONRenderer()]
        return super().get_renderers()

    def list(self, request, *args, **kwargs):
        if request.accepted_renderer.format != "csv":
            return super().list(request, *args, **kwargs)
        language = request.query_params.get("lang")
        if language and language not in dict(settings.LANGUAGES):
            raise ValidationError(
                {
                    "lang": [
                        _("Choose one of: %(languages)s.")
                        % {"languages": ", ".join(dict(settings.LANGUAGES))}
                    ]
                }
            )
        table = TABLES_BY_MODEL[self.get_queryset().model]
        queryset = self.filter_queryset(self.get_queryset())
        params = {k: request.query_params.getlist(k) for k in request.query_params}
        params = {k: v for k, v in params.items() if k not in NOT_FILTERS}
        return exports.csv_response(table, queryset, exports.filename(table, params), language)

    def handle_exception(self, exc):
        # Errors stay JSON even when CSV was asked for.
        if getattr(self.request, "accepted_renderer", None) and (
            self.request.accepted_renderer.format == "csv"
        ):
            self.request.accepted_renderer = JSONRenderer()
            self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

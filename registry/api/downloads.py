"""``?format=csv`` (or ``Accept: text/csv``) on a list: every matching row as a streamed CSV,
filtered by the same FilterSet as the JSON list, without pagination."""

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

    def list(self, request, *args, **kwargs):
        if request.accepted_renderer.format != "csv":
            return super().list(request, *args, **kwargs)
        table = TABLES_BY_MODEL[self.get_queryset().model]
        queryset = self.filter_queryset(self.get_queryset())
        params = {k: request.query_params.getlist(k) for k in request.query_params}
        params = {k: v for k, v in params.items() if k not in NOT_FILTERS}
        return exports.csv_response(
            table, queryset, exports.filename(table, params), request.query_params.get("lang")
        )

    def handle_exception(self, exc):
        # Errors stay JSON even when CSV was asked for.
        if getattr(self.request, "accepted_renderer", None) and (
            self.request.accepted_renderer.format == "csv"
        ):
            self.request.accepted_renderer = JSONRenderer()
            self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

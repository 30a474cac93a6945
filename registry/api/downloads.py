"""``?format=csv`` or ``?format=xlsx`` (or the ``Accept`` header) on a list: every matching row
as a streamed CSV or XLSX file, filtered and ordered as the JSON list, without pagination."""

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer

from registry import exports, xlsx_exports
from registry.tables import TABLES_BY_MODEL

NOT_FILTERS = {"format", "limit", "offset", "cursor", "lang"}


class CSVRenderer(BaseRenderer):
    """Selects CSV by content negotiation; the list view streams the body itself."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        raise NotImplementedError("CSV responses are streamed by DownloadMixin.list")


class XLSXRenderer(BaseRenderer):
    """Selects XLSX by content negotiation; the list view streams the body itself."""

    media_type = xlsx_exports.MEDIA_TYPE
    format = "xlsx"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        raise NotImplementedError("XLSX responses are streamed by DownloadMixin.list")


DOWNLOAD_FORMATS = (CSVRenderer.format, XLSXRenderer.format)


class DownloadMixin:
    renderer_classes = [JSONRenderer, CSVRenderer, XLSXRenderer]
    extra_query_parameters = frozenset({"lang"})

    def get_renderers(self):
        # Only the list downloads files: a detail, history, status changes or the bulk check
        # asked for CSV or XLSX answer 406 (not a renderer that cannot render).
        if getattr(self, "action", None) != "list":
            return [JSONRenderer()]
        return super().get_renderers()

    def list(self, request, *args, **kwargs):
        file_format = request.accepted_renderer.format
        if file_format not in DOWNLOAD_FORMATS:
            return super().list(request, *args, **kwargs)
        language = request.query_params.get("lang")
        # Chinese is offered on the public pages only (settings.PUBLIC_ONLY_LANGUAGES).
        languages = [
            code for code, _name in settings.LANGUAGES if code not in settings.PUBLIC_ONLY_LANGUAGES
        ]
        if language and language not in languages:
            raise ValidationError(
                {"lang": [_("Choose one of: %(languages)s.") % {"languages": ", ".join(languages)}]}
            )
        table = TABLES_BY_MODEL[self.get_queryset().model]
        queryset = self.filter_queryset(self.get_queryset())
        params = {k: request.query_params.getlist(k) for k in request.query_params}
        params = {k: v for k, v in params.items() if k not in NOT_FILTERS}
        name = exports.filename(table, params, extension=file_format)
        if file_format == XLSXRenderer.format:
            return xlsx_exports.xlsx_response(table, queryset, name, language)
        return exports.csv_response(table, queryset, name, language)

    def handle_exception(self, exc):
        # Errors stay JSON even when a file was asked for.
        if getattr(self.request, "accepted_renderer", None) and (
            self.request.accepted_renderer.format in DOWNLOAD_FORMATS
        ):
            self.request.accepted_renderer = JSONRenderer()
            self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

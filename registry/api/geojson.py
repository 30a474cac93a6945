"""``?format=geojson`` on the area-code list and detail (or ``Accept: application/geo+json``).

A list answers a FeatureCollection of every matching code, filtered and ordered as the JSON
list, without pagination, streamed a chunk of rows at a time (memory does not grow with the
rows); a detail answers one Feature. Each Feature's geometry is the code's boundary, or its
point when it has none (``null`` without either), and its properties are the code's JSON
representation (``registry.api.representations``) without the boundary. RFC 7946 throughout:
longitude first, exterior rings counter-clockwise (as stored), WGS 84, so QGIS and geojson.io
open it as it is.
"""

import json
from collections.abc import Iterator

from django.http import StreamingHttpResponse
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from registry import data_version

MEDIA_TYPE = "application/geo+json"
CHUNK = 500


class GeoJSONRenderer(BaseRenderer):
    media_type = MEDIA_TYPE
    format = "geojson"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def feature(code: dict) -> dict:
    properties = {key: value for key, value in code.items() if key != "boundary"}
    geometry = code.get("boundary")
    if geometry is None and code.get("longitude") is not None and code.get("latitude") is not None:
        geometry = {
            "type": "Point",
            "coordinates": [float(code["longitude"]), float(code["latitude"])],
        }
    return {"type": "Feature", "id": code["code"], "geometry": geometry, "properties": properties}


def feature_collection(representation, queryset) -> Iterator[bytes]:
    """The FeatureCollection's bytes, ``CHUNK`` rows at a time (each chunk's related records
    and statuses read once, as for a page of the JSON list). The body is written after the
    view has returned, so it pins the data version itself (read once for the whole body)."""
    yield b'{"type":"FeatureCollection","features":['
    with data_version.one_version():
        rows = queryset.values(*representation.fields).iterator(chunk_size=CHUNK)
        first = True
        chunk = []
        for row in rows:
            chunk.append(row)
            if len(chunk) == CHUNK:
                yield _features(representation, chunk, first)
                first, chunk = False, []
        if chunk:
            yield _features(representation, chunk, first)
    yield b"]}"


def _features(representation, rows: list[dict], first: bool) -> bytes:
    rendered = representation.render(representation.complete(rows))
    text = ",".join(
        json.dumps(feature(code), ensure_ascii=False, separators=(",", ":")) for code in rendered
    )
    return (text if first else "," + text).encode()


class GeoJSONMixin:
    """For a ``RepresentedViewSet``: the list and the detail in GeoJSON too."""

    def get_renderers(self):
        renderers = super().get_renderers()
        if getattr(self, "action", None) in ("list", "retrieve"):
            renderers.append(GeoJSONRenderer())
        return renderers

    @staticmethod
    def _wants_geojson(request) -> bool:
        renderer = getattr(request, "accepted_renderer", None)
        return renderer is not None and renderer.format == GeoJSONRenderer.format

    def list(self, request, *args, **kwargs):
        if not self._wants_geojson(request):
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(self.get_queryset())
        response = StreamingHttpResponse(
            feature_collection(self.representation, queryset),
            content_type=f"{MEDIA_TYPE}; charset=utf-8",
        )
        return response

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        if self._wants_geojson(request):
            return Response(feature(response.data), content_type=f"{MEDIA_TYPE}; charset=utf-8")
        return response

    def handle_exception(self, exc):
        # Errors stay JSON when GeoJSON was asked for.
        if self._wants_geojson(self.request):
            self.request.accepted_renderer = JSONRenderer()
            self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

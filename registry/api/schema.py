"""The OpenAPI schema's error answers, declared in one place for every operation: what the
API really answers besides success (tests/test_schemathesis.py holds them to it)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema

#: Every error body is a JSON object: ``detail`` for most, one key per refused field or
#: parameter for validation errors (400), and ``request_id`` (config.request_log).
ERROR_BODY = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "request_id": {"type": "string"},
    },
    "additionalProperties": True,
}

ERRORS = {
    "400": _("Invalid input: the body names each refused field or parameter."),
    "401": _("The token or session is not valid."),
    "403": _("Signed in without the permission this needs."),
    "404": _("No such record."),
    "406": _("The format asked for (Accept header or ?format=) is not offered here."),
    "415": _("The body's content type is not one this operation reads (JSON or a form)."),
    "429": _("Too many requests: retry after the Retry-After header's seconds."),
    "503": _("The database is unavailable: retry later."),
}


GEOJSON_FEATURE = {
    "type": "object",
    "required": ["type", "geometry", "properties"],
    "properties": {
        "type": {"type": "string", "enum": ["Feature"]},
        "id": {"type": "string"},
        "geometry": {
            "type": "object",
            "nullable": True,
            "description": "The boundary (Polygon or MultiPolygon), or the point without one.",
        },
        "properties": {"type": "object", "description": "The JSON representation's fields."},
    },
}
GEOJSON_COLLECTION = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {"type": "array", "items": GEOJSON_FEATURE},
    },
}
GEOJSON = "application/geo+json"


class RegistryAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        success = responses.get("200", {}).get("content", {})
        if GEOJSON in success:  # registry.api.geojson: a FeatureCollection or a Feature
            shape = GEOJSON_COLLECTION if self._is_list_view() else GEOJSON_FEATURE
            success[GEOJSON] = {"schema": shape}
        for code in self._error_codes():
            responses.setdefault(
                code,
                {
                    "content": {"application/json": {"schema": ERROR_BODY}},
                    "description": str(ERRORS[code]),
                },
            )
        return responses

    def _error_codes(self) -> list[str]:
        # 400: any request (a NUL byte in the query, an oversized body, validation); 401: a
        # wrong token, on any request; 406, 429 and 503: anywhere.
        codes = ["400", "401", "406", "429", "503"]
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append("415")
        if self.method not in ("GET", "HEAD", "OPTIONS") or getattr(self.view, "action", "") in (
            "history",
        ):
            codes.append("403")
        if "{" in self.path:
            codes.append("404")
        return sorted(codes)

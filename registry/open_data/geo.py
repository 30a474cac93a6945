"""GeoJSON layers of the snapshot: the growing-area codes' boundaries.

Each layer is written as ``data/<name>.geojson`` (a FeatureCollection, streamed feature by
feature) and listed in the datapackage.json as a GeoJSON resource with its hash. A code without
a boundary has no feature here: its point (latitude, longitude) is in ``area_codes``.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Layer:
    name: str  # file data/<name>.geojson and the resource's name
    title: str
    #: GeoJSON Feature dicts, read in the snapshot's transaction (stream: use iterator())
    features: Callable[[], Iterator[dict]]


def _decimal(value) -> str | None:
    return None if value is None else str(value)


def boundary_features() -> Iterator[dict]:
    """One Feature per code with a boundary (RFC 7946, as stored: checked and counter-clockwise
    on the way in), with the declared and the measured area."""
    from registry.models import AreaCode

    rows = (
        AreaCode.objects.filter(boundary__isnull=False)
        .order_by("code")
        .values_list("code", "boundary", "area_ha", "measured_area_ha")
    )
    for code, boundary, area, measured in rows.iterator(chunk_size=2000):
        yield {
            "type": "Feature",
            "id": code,
            "geometry": boundary,
            "properties": {
                "code": code,
                "area_ha": _decimal(area),
                "measured_area_ha": _decimal(measured),
            },
        }


def layers() -> list[Layer]:
    """The layers to publish."""
    return [
        Layer(
            name="area_code_boundaries",
            title="Boundaries of the growing-area codes (GeoJSON, WGS 84)",
            features=boundary_features,
        )
    ]

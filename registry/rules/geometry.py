"""Growing-area boundaries: what a valid one is, and what is derived from it (pure: no models).

A boundary is a GeoJSON geometry (RFC 7946): a Polygon or MultiPolygon in WGS 84, longitude
before latitude. ``read_boundary`` checks it and returns it normalised (2-D, exterior rings
counter-clockwise and holes clockwise, as RFC 7946 asks: a ring drawn the other way is
turned, not refused, as the RFC advises parsers) with what the registry stores beside it:
the bounding box, the area measured on the ellipsoid (pyproj's ``Geod``), and a label point
inside it. Every error says where: polygon, ring and vertex, counted from 1.

Shapely and pyproj are wheels with no system library, so SQLite and PostgreSQL give the same
answers: the database only stores numbers and JSON.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import shapely
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from pyproj import Geod
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.polygon import orient
from shapely.validation import explain_validity

GEOD = Geod(ellps="WGS84")
SQUARE_METRES_PER_HECTARE = 10_000
BOUNDARY_TYPES = ("Polygon", "MultiPolygon")
MAX_ERRORS_SHOWN = 20

#: GEOS's reasons (``explain_validity``), in the reader's language
INVALIDITY_REASONS = {
    "Self-intersection": _("the outline crosses itself"),
    "Ring Self-intersection": _("the ring touches itself"),
    "Hole lies outside shell": _("a hole lies outside its polygon"),
    "Interior is disconnected": _("a hole cuts the polygon in two"),
    "Nested shells": _("one polygon lies inside another"),
    "Nested holes": _("a hole lies inside another hole"),
    "Duplicate Rings": _("a ring is repeated"),
    "Too few points": _("a ring has too few distinct points"),
    "Invalid Coordinate": _("a coordinate is not a number"),
}


class BoundaryError(ValidationError):
    """A boundary that cannot be stored; its messages say what is wrong and where."""


@dataclass(frozen=True)
class Boundary:
    """A checked boundary and what the registry derives from it."""

    geojson: dict
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float
    area_ha: Decimal
    label_lon: Decimal
    label_lat: Decimal

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return (self.min_lon, self.min_lat, self.max_lon, self.max_lat)


@dataclass(frozen=True)
class Extent:
    """A longitude/latitude box (the country's, a query's)."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def contains(self, lon: float, lat: float) -> bool:
        return self.min_lon <= lon <= self.max_lon and self.min_lat <= lat <= self.max_lat


def country_extent() -> Extent:
    return Extent(*settings.BOUNDARY_EXTENT)


def _where(polygon: int, ring: int, vertex: int | list[int] | None, multi: bool) -> str:
    """ "polygon 2, ring 1, vertex 5" (rings: 1 is the exterior, 2... the holes; vertices
    from 1; a segment is named by its first vertex)."""
    parts = [str(_("polygon %(n)s") % {"n": polygon})] if multi else []
    parts.append(str(_("ring %(n)s") % {"n": ring}))
    if isinstance(vertex, list) and len(vertex) > 1:
        listed = ", ".join(str(v) for v in vertex)
        parts.append(str(_("segments from vertices %(list)s") % {"list": listed}))
    elif vertex is not None:
        vertex = vertex[0] if isinstance(vertex, list) else vertex
        parts.append(str(_("vertex %(n)s") % {"n": vertex}))
    return ", ".join(parts)


def _error(message, where: str | None = None) -> str:
    return f"{where}: {message}" if where else str(message)


def _first(errors: list[str]) -> list[str]:
    """At most MAX_ERRORS_SHOWN errors, then how many more: a file of swapped coordinates
    would otherwise answer one line per vertex."""
    if len(errors) <= MAX_ERRORS_SHOWN:
        return errors
    more = _("… and %(n)s more errors.") % {"n": len(errors) - MAX_ERRORS_SHOWN}
    return [*errors[:MAX_ERRORS_SHOWN], str(more)]


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _polygons(geometry) -> list:
    """The polygons' coordinate arrays, or a BoundaryError on a wrong shape."""
    if not isinstance(geometry, dict):
        raise BoundaryError(_("A GeoJSON geometry object is expected."))
    kind = geometry.get("type")
    if kind not in BOUNDARY_TYPES:
        raise BoundaryError(
            _("The geometry type must be Polygon or MultiPolygon, not %(type)s.")
            % {"type": str(kind)[:40]}
        )
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or not coordinates:
        raise BoundaryError(_("The geometry has no coordinates."))
    polygons = [coordinates] if kind == "Polygon" else coordinates
    if not all(isinstance(p, list) and p for p in polygons):
        raise BoundaryError(_("Each polygon must be a non-empty list of rings."))
    return polygons


def _ring_errors(ring, where, multi: bool) -> tuple[list[str], list[tuple[float, float]]]:
    """The errors of one ring (its positions, closure, place), and its 2-D positions."""
    polygon_number, ring_number = where
    if not isinstance(ring, list):
        return [_error(_("a ring must be a list of positions"), _where(*where, None, multi))], []
    errors, positions, extent = [], [], country_extent()
    for index, position in enumerate(ring, start=1):
        here = _where(polygon_number, ring_number, index, multi)
        if (
            not isinstance(position, list)
            or len(position) not in (2, 3)
            or not all(_is_number(v) for v in position)
        ):
            errors.append(_error(_("a position must be [longitude, latitude] numbers"), here))
            continue
        lon, lat = float(position[0]), float(position[1])
        if not extent.contains(lon, lat):
            if extent.contains(lat, lon):
                message = _(
                    "(%(lon)s, %(lat)s) is outside Vietnam; longitude comes first in GeoJSON "
                    "(RFC 7946): are longitude and latitude swapped?"
                )
            else:
                message = _("(%(lon)s, %(lat)s) is outside Vietnam's bounding box")
            errors.append(_error(message % {"lon": lon, "lat": lat}, here))
        positions.append((lon, lat))
    if errors:
        return errors, positions
    ring_where = _where(polygon_number, ring_number, None, multi)
    if len(positions) < 4:
        errors.append(
            _error(
                _("a ring needs at least 4 positions (the last repeating the first), not %(n)s")
                % {"n": len(positions)},
                ring_where,
            )
        )
    elif positions[0] != positions[-1]:
        errors.append(
            _error(
                _("the ring is not closed: its last position must repeat the first"),
                _where(polygon_number, ring_number, len(positions), multi),
            )
        )
    return errors, positions


def _nearest_vertices(rings: dict, point: shapely.Point) -> tuple[tuple[int, int], list[int]]:
    """Which ring an invalidity reported at ``point`` lies on, and the vertices that start
    the segments through it (both crossing segments, for a ring that crosses itself)."""
    nearest = []
    for where, positions in rings.items():
        segments = shapely.linestrings(
            [[positions[i], positions[i + 1]] for i in range(len(positions) - 1)]
        )
        for index, distance in enumerate(shapely.distance(segments, point)):
            nearest.append((float(distance), where, index + 1))
    closest = min(distance for distance, _where, _vertex in nearest)
    on_it = [(where, vertex) for distance, where, vertex in nearest if distance <= closest + 1e-9]
    ring = on_it[0][0]
    return ring, [vertex for where, vertex in on_it if where == ring]


def _validity_error(geometry, rings: dict, multi: bool) -> str | None:
    if geometry.is_valid:
        return None
    reason = explain_validity(geometry)  # "Self-intersection[103.9 21.2]"
    name, _bracket, rest = reason.partition("[")
    label = INVALIDITY_REASONS.get(name.strip(), name.strip())
    try:
        lon, lat = (float(v) for v in rest.rstrip("]").split()[:2])
    except ValueError:
        return _error(label)
    (polygon_number, ring_number), vertices = _nearest_vertices(rings, shapely.Point(lon, lat))
    return _error(
        _("%(reason)s near (%(lon)s, %(lat)s)") % {"reason": label, "lon": lon, "lat": lat},
        _where(polygon_number, ring_number, vertices, multi),
    )


def parse_boundary(geometry) -> Polygon | MultiPolygon:
    """The shapely geometry of a GeoJSON boundary, 2-D and oriented as RFC 7946 asks, or a
    BoundaryError listing every problem found and where."""
    polygons = _polygons(geometry)
    multi = geometry["type"] == "MultiPolygon"
    errors, rings = [], {}
    for polygon_number, polygon in enumerate(polygons, start=1):
        for ring_number, ring in enumerate(polygon, start=1):
            where = (polygon_number, ring_number)
            ring_errors, positions = _ring_errors(ring, where, multi)
            errors.extend(ring_errors)
            rings[where] = positions
    vertices = sum(len(positions) for positions in rings.values())
    if vertices > settings.BOUNDARY_MAX_VERTICES:
        errors.append(
            _("The boundary has %(n)s vertices; at most %(max)s are allowed.")
            % {"n": vertices, "max": settings.BOUNDARY_MAX_VERTICES}
        )
    if errors:
        raise BoundaryError(_first(errors))
    parts = [
        Polygon(
            rings[(p, 1)],
            [rings[(p, r)] for r in range(2, len(polygon) + 1)],
        )
        for p, polygon in enumerate(polygons, start=1)
    ]
    built = MultiPolygon(parts) if multi else parts[0]
    problem = _validity_error(built, rings, multi)
    if problem:
        raise BoundaryError(problem)
    if built.area == 0:
        raise BoundaryError(_("The boundary encloses no area."))
    span = settings.BOUNDARY_MAX_SPAN_DEGREES
    min_lon, min_lat, max_lon, max_lat = built.bounds
    if max_lon - min_lon > span or max_lat - min_lat > span:
        raise BoundaryError(
            _(
                "The boundary spans %(width).3f° of longitude and %(height).3f° of latitude; a "
                "growing area spans at most %(span)s° each way."
            )
            % {"width": max_lon - min_lon, "height": max_lat - min_lat, "span": span}
        )
    return _oriented(built)


def _oriented(geometry):
    if isinstance(geometry, MultiPolygon):
        return MultiPolygon([orient(part, sign=1.0) for part in geometry.geoms])
    return orient(geometry, sign=1.0)


def geodesic_area_ha(geometry) -> float:
    """The area on the WGS 84 ellipsoid, in hectares, of the polygonal parts of ``geometry``
    (an intersection may also hold lines and points, which have none)."""
    if geometry.is_empty:
        return 0.0
    if isinstance(geometry, Polygon | MultiPolygon):
        area, _perimeter = GEOD.geometry_area_perimeter(geometry)
        return abs(area) / SQUARE_METRES_PER_HECTARE
    if hasattr(geometry, "geoms"):
        return sum(geodesic_area_ha(part) for part in geometry.geoms)
    return 0.0


def to_geojson(geometry) -> dict:
    """GeoJSON with lists (not tuples), as stored and answered."""
    mapped = shapely.geometry.mapping(geometry)
    if mapped["type"] == "Polygon":
        coordinates = [[list(p) for p in ring] for ring in mapped["coordinates"]]
    else:
        coordinates = [
            [[list(p) for p in ring] for ring in polygon] for polygon in mapped["coordinates"]
        ]
    return {"type": mapped["type"], "coordinates": coordinates}


def _six_places(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


def read_boundary(geometry) -> Boundary:
    """Check a GeoJSON boundary and derive what is stored beside it."""
    parsed = parse_boundary(geometry)
    label = parsed.representative_point()
    min_lon, min_lat, max_lon, max_lat = parsed.bounds
    area = Decimal(str(geodesic_area_ha(parsed))).quantize(Decimal("0.0001"))
    return Boundary(
        geojson=to_geojson(parsed),
        min_lon=min_lon,
        min_lat=min_lat,
        max_lon=max_lon,
        max_lat=max_lat,
        area_ha=area,
        label_lon=_six_places(label.x),
        label_lat=_six_places(label.y),
    )


def validate_boundary(geometry) -> None:
    """A model field validator: ``None`` is no boundary."""
    if geometry is not None:
        parse_boundary(geometry)

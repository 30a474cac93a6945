"""Boundaries for tests: squares of a given size on the ground, and an independent winding
check (the shoelace sum, not shapely's)."""

from itertools import pairwise

from pyproj import Geod

WGS84 = Geod(ellps="WGS84")
#: near Sông Mã, Sơn La
SONG_MA = (103.9, 21.06)


def square_ring(lon: float, lat: float, metres: float) -> list[list[float]]:
    """A closed counter-clockwise ring: ``metres`` east then north of (lon, lat), walked along
    geodesics (pyproj's forward problem), so its area is metres² on the ground."""
    east_lon, east_lat, _ = WGS84.fwd(lon, lat, 90, metres)
    north_lon, north_lat, _ = WGS84.fwd(lon, lat, 0, metres)
    corner_lon, corner_lat, _ = WGS84.fwd(east_lon, east_lat, 0, metres)
    return [
        [lon, lat],
        [east_lon, east_lat],
        [corner_lon, corner_lat],
        [north_lon, north_lat],
        [lon, lat],
    ]


def square(lon: float = SONG_MA[0], lat: float = SONG_MA[1], metres: float = 100.0) -> dict:
    return {"type": "Polygon", "coordinates": [square_ring(lon, lat, metres)]}


def shifted(
    lon_offset_m: float, lat_offset_m: float = 0.0, metres: float = 100.0, origin=SONG_MA
) -> dict:
    """A square of ``metres`` whose corner is offset from ``origin`` by so many metres."""
    lon, lat, _ = WGS84.fwd(*origin, 90, lon_offset_m) if lon_offset_m else (*origin, 0)
    if lat_offset_m:
        lon, lat, _ = WGS84.fwd(lon, lat, 0, lat_offset_m)
    return square(lon, lat, metres)


def signed_area(ring) -> float:
    """Shoelace sum: positive for counter-clockwise (x = longitude, y = latitude)."""
    return sum(x1 * y2 - x2 * y1 for (x1, y1, *_), (x2, y2, *_) in pairwise(ring))


def is_counter_clockwise(ring) -> bool:
    return signed_area(ring) > 0

"""Importing boundaries from GeoJSON or KML: one feature per growing-area code, previewed then
applied all together or not at all.

- GeoJSON: a FeatureCollection (or one Feature); the code is the feature's ``code`` property
  (also ``ma_so``, ``mã số`` or ``name``), or its ``id``.
- KML: each Placemark with a Polygon or MultiGeometry of Polygons; the code is the
  ExtendedData field ``code`` (``<Data name="code">`` or ``<SimpleData name="code">``), else
  the placemark's ``<name>``. KML writes ``lon,lat[,alt]``, as GeoJSON does. A document with
  a DOCTYPE is refused: no entity, internal or external, is ever expanded.

The preview says, for each feature, what changes (new boundary, changed, unchanged) with the
measured area, the overlaps the file would create (with the registry and between its own
features), and every error. Applying checks everything again and saves every boundary in one
transaction through ``AreaCode.save()`` (history, measured area, overlaps), or none.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from registry import keys
from registry.models import AreaCode
from registry.rules import boundaries
from registry.rules.geometry import BoundaryError, parse_boundary, read_boundary

CODE_PROPERTIES = ("code", "ma_so", "mã số", "name")
KML = "{http://www.opengis.net/kml/2.2}"
IMPORT_REASON = "Boundary import"


class BoundaryFileError(ValueError):
    """The file as a whole cannot be read."""


@dataclass
class Feature:
    number: int  # from 1, in the file's order
    code: str
    geometry: dict | None
    errors: list[str] = field(default_factory=list)
    change: str = ""  # "new", "changed", "unchanged"
    measured_ha: Decimal | None = None
    declared_ha: Decimal | None = None
    overlaps: list[str] = field(default_factory=list)
    code_id: int | None = None


def _code_of(properties: dict, fallback) -> str:
    for name in CODE_PROPERTIES:
        value = properties.get(name)
        if value not in (None, ""):
            return keys.normalise_code(str(value))
    return keys.normalise_code(str(fallback or ""))


def read_geojson(content: bytes) -> list[Feature]:
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        raise BoundaryFileError(
            _("The file is not GeoJSON: %(error)s") % {"error": error}
        ) from None
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = {"type": "FeatureCollection", "features": [data]}
    if not isinstance(data, dict) or not isinstance(data.get("features"), list):
        raise BoundaryFileError(_("A GeoJSON FeatureCollection is expected."))
    features = []
    for number, item in enumerate(data["features"], start=1):
        item = item if isinstance(item, dict) else {}
        properties = item.get("properties") if isinstance(item.get("properties"), dict) else {}
        features.append(Feature(number, _code_of(properties, item.get("id")), item.get("geometry")))
    return features


def _kml_ring(element) -> list:
    text = element.findtext(f".//{KML}coordinates") or ""
    positions = []
    for token in text.split():
        try:
            positions.append([float(v) for v in token.split(",")[:2]])
        except ValueError:
            positions.append(token)  # reported by the geometry check, with its vertex
    return positions


def _kml_polygon(polygon) -> list:
    rings = [_kml_ring(outer) for outer in polygon.findall(f"{KML}outerBoundaryIs")]
    rings += [_kml_ring(inner) for inner in polygon.findall(f"{KML}innerBoundaryIs")]
    return rings


def read_kml(content: bytes) -> list[Feature]:
    if b"<!DOCTYPE" in content.upper() or b"<!ENTITY" in content.upper():
        raise BoundaryFileError(_("KML files with a DOCTYPE or entities are refused."))
    try:
        root = ElementTree.fromstring(content)
    except ElementTree.ParseError as error:
        raise BoundaryFileError(_("The file is not KML: %(error)s") % {"error": error}) from None
    features = []
    for number, placemark in enumerate(root.iter(f"{KML}Placemark"), start=1):
        properties = {
            data.get("name"): data.findtext(f"{KML}value") or (data.text or "").strip()
            for data in [*placemark.iter(f"{KML}Data"), *placemark.iter(f"{KML}SimpleData")]
        }
        code = _code_of(properties, placemark.findtext(f"{KML}name"))
        polygons = [_kml_polygon(p) for p in placemark.iter(f"{KML}Polygon")]
        if not polygons:
            geometry = None
        elif len(polygons) == 1:
            geometry = {"type": "Polygon", "coordinates": polygons[0]}
        else:
            geometry = {"type": "MultiPolygon", "coordinates": polygons}
        features.append(Feature(number, code, geometry))
    return features


def read_file(name: str, content: bytes) -> list[Feature]:
    lowered = name.lower()
    if lowered.endswith(".kml"):
        features = read_kml(content)
    elif lowered.endswith((".geojson", ".json")):
        features = read_geojson(content)
    else:
        raise BoundaryFileError(_("Choose a .geojson, .json or .kml file."))
    if not features:
        raise BoundaryFileError(_("The file holds no feature."))
    return features


def preview(features: list[Feature]) -> list[Feature]:
    """Check every feature against the registry as it is now; fills in each one's change,
    measured area, overlaps and errors."""
    wanted = {f.code for f in features if f.code}
    codes = {
        c["code"]: c
        for c in AreaCode.objects.filter(code__in=wanted).values(
            "pk", "code", "boundary", "area_ha"
        )
    }
    seen: dict[str, int] = {}
    shapes = {}
    for feature in features:
        if not feature.code:
            feature.errors.append(_("No code: give the feature a “code” property or a name."))
        elif feature.code in seen:
            feature.errors.append(
                _("The code %(code)s is already in feature %(n)s.")
                % {"code": feature.code, "n": seen[feature.code]}
            )
        elif feature.code not in codes:
            feature.errors.append(_("Unknown code: %(code)s.") % {"code": feature.code})
        else:
            seen[feature.code] = feature.number
        if feature.geometry is None:
            feature.errors.append(_("No polygon in this feature."))
            continue
        try:
            read = read_boundary(feature.geometry)
        except BoundaryError as error:
            feature.errors.extend(error.messages)
            continue
        feature.geometry, feature.measured_ha = read.geojson, read.area_ha
        if feature.errors:
            continue
        stored = codes[feature.code]
        feature.code_id, feature.declared_ha = stored["pk"], stored["area_ha"]
        if stored["boundary"] is None:
            feature.change = "new"
        else:
            same = stored["boundary"] == read.geojson
            feature.change = "unchanged" if same else "changed"
        shapes[feature.code] = (stored["pk"], parse_boundary(read.geojson), read.bbox)
    _find_overlaps(features, shapes)
    return features


def _find_overlaps(features, shapes) -> None:
    in_file = [f.code_id for f in features if f.code_id]
    for feature in features:
        if feature.code not in shapes or feature.errors:
            continue
        pk, geometry, bounds = shapes[feature.code]
        others = [(opk, code, g) for code, (opk, g, _b) in shapes.items() if opk != pk]
        found = boundaries.overlaps_with(geometry, bounds, exclude_ids=in_file, others=others)
        feature.overlaps = [f"{o.code} ({o.area_ha} ha)" for o in found]


class BoundaryImportRefused(Exception):
    def __init__(self, features):
        super().__init__("The file has errors: nothing was imported.")
        self.features = features


@transaction.atomic
def apply(features: list[Feature], user=None) -> int:
    """Save every changed boundary, or none (``BoundaryImportRefused`` with the errors)."""
    features = preview(features)
    if any(f.errors for f in features):
        raise BoundaryImportRefused(features)
    saved = 0
    for feature in features:
        if feature.change == "unchanged":
            continue
        code = AreaCode.objects.select_for_update().get(pk=feature.code_id)
        code.boundary = feature.geometry
        code._change_reason = IMPORT_REASON
        if user is not None:
            code._history_user = user
        code.save()
        saved += 1
    return saved

"""Importing boundaries from GeoJSON and KML through the admin: preview (changes, overlaps the
file would create, errors per feature), then all or nothing."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from registry import boundary_imports
from registry.models import AreaCode, BoundaryOverlap
from tests.factories import AreaCodeFactory
from tests.geo_support import is_counter_clockwise, shifted, square

pytestmark = pytest.mark.django_db
URL = "admin:registry_areacode_import_boundaries"


def geojson_file(*features, name="blocks.geojson"):
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"code": code}, "geometry": geometry}
            for code, geometry in features
        ],
    }
    return SimpleUploadedFile(name, json.dumps(collection).encode(), "application/geo+json")


def kml_file(*placemarks, doctype=""):
    body = "".join(
        f"""<Placemark><name>{name}</name>{extended}<Polygon><outerBoundaryIs><LinearRing>
        <coordinates>{" ".join(f"{lon},{lat},0" for lon, lat in ring)}</coordinates>
        </LinearRing></outerBoundaryIs></Polygon></Placemark>"""
        for name, extended, ring in placemarks
    )
    text = f"""<?xml version="1.0" encoding="UTF-8"?>{doctype}
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>{body}</Document></kml>"""
    return SimpleUploadedFile("blocks.kml", text.encode(), "application/vnd.google-earth.kml+xml")


@pytest.fixture
def codes():
    return {
        "existing": AreaCodeFactory(code="VN-SLOR-0101", boundary=square(metres=100)),
        "empty": AreaCodeFactory(code="VN-SLOR-0102"),
        "other": AreaCodeFactory(code="VN-SLOR-0103"),
    }


def preview(admin_client, upload):
    response = admin_client.post(reverse(URL), {"boundary_file": upload}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response


def test_geojson_preview_shows_changes_overlaps_and_then_applies(admin_client, codes):
    upload = geojson_file(
        ("vn-slor-0102", shifted(50, metres=100)),  # new, over the existing one
        ("VN-SLOR-0101", square(metres=100)),  # unchanged
        ("VN-SLOR-0103", shifted(5000, metres=100)),
    )
    response = preview(admin_client, upload)
    features = {f.code: f for f in response.context["features"]}
    assert features["VN-SLOR-0102"].change == "new"
    assert features["VN-SLOR-0101"].change == "unchanged"
    [overlap] = features["VN-SLOR-0102"].overlaps
    assert overlap.startswith("VN-SLOR-0101 (0.49") or overlap.startswith("VN-SLOR-0101 (0.50")
    assert response.context["token"]
    assert AreaCode.objects.get(code="VN-SLOR-0102").boundary is None, "nothing saved yet"

    done = admin_client.post(reverse(URL), {"token": response.context["token"]})
    assert done.status_code == 302
    saved = AreaCode.objects.get(code="VN-SLOR-0102")
    assert is_counter_clockwise(saved.boundary["coordinates"][0])
    assert BoundaryOverlap.objects.count() == 1
    assert saved.history.first().history_change_reason == boundary_imports.IMPORT_REASON


def test_kml_by_name_or_extended_data(admin_client, codes):
    ring = shifted(3000, metres=100)["coordinates"][0]
    ring2 = shifted(6000, metres=100)["coordinates"][0]
    extended = '<ExtendedData><Data name="code"><value>VN-SLOR-0103</value></Data></ExtendedData>'
    upload = kml_file(("VN-SLOR-0102", "", ring), ("Khối 3 (hư cấu)", extended, ring2))
    response = preview(admin_client, upload)
    assert [(f.code, f.change, f.errors) for f in response.context["features"]] == [
        ("VN-SLOR-0102", "new", []),
        ("VN-SLOR-0103", "new", []),
    ]
    admin_client.post(reverse(URL), {"token": response.context["token"]})
    assert AreaCode.objects.filter(boundary__isnull=False).count() == 3


def test_errors_per_feature_and_nothing_applied(admin_client, codes):
    bow_tie = {
        "type": "Polygon",
        "coordinates": [
            [[103.9, 21.0], [103.91, 21.01], [103.91, 21.0], [103.9, 21.01], [103.9, 21.0]]
        ],
    }
    upload = geojson_file(
        ("VN-SLOR-0102", shifted(3000, metres=100)),
        ("VN-SLOR-0103", bow_tie),
        ("VN-SLOR-9999", shifted(6000, metres=100)),
        ("VN-SLOR-0102", shifted(9000, metres=100)),
    )
    response = preview(admin_client, upload)
    errors = [f.errors for f in response.context["features"]]
    assert errors[0] == []
    assert "ring 1, segments from vertices 1, 3" in errors[1][0]
    assert errors[2] == ["Unknown code: VN-SLOR-9999."]
    assert errors[3] == ["The code VN-SLOR-0102 is already in feature 1."]
    assert response.context["token"] is None
    assert AreaCode.objects.filter(boundary__isnull=False).count() == 1


def test_apply_checks_again_and_saves_none_when_the_registry_changed(codes):
    features = boundary_imports.preview(
        boundary_imports.read_geojson(
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        {"properties": {"code": "VN-SLOR-0102"}, "geometry": shifted(3000)},
                        {"properties": {"code": "VN-SLOR-0104"}, "geometry": shifted(6000)},
                    ],
                }
            ).encode()
        )
    )
    assert features[1].errors  # unknown code
    with pytest.raises(boundary_imports.BoundaryImportRefused):
        boundary_imports.apply(features)
    assert AreaCode.objects.get(code="VN-SLOR-0102").boundary is None


def test_overlaps_between_features_of_the_file_are_shown(admin_client, codes):
    upload = geojson_file(
        ("VN-SLOR-0102", shifted(3000, metres=100)), ("VN-SLOR-0103", shifted(3050, metres=100))
    )
    features = preview(admin_client, upload).context["features"]
    assert features[0].overlaps[0].startswith("VN-SLOR-0103 (")
    assert features[1].overlaps[0].startswith("VN-SLOR-0102 (")


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("x.geojson", b"{not json"), "not GeoJSON"),
        (SimpleUploadedFile("x.csv", b"a,b"), ".geojson, .json or .kml"),
        (SimpleUploadedFile("x.kml", b"<kml"), "not KML"),
    ],
    ids=["bad json", "wrong type", "bad kml"],
)
def test_unreadable_files_are_refused(admin_client, upload, message):
    response = preview(admin_client, upload)
    assert message in response.context["file_error"]


def test_kml_entities_are_never_expanded(admin_client, codes):
    doctype = '<!DOCTYPE kml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    upload = kml_file(("&x;", "", shifted(3000)["coordinates"][0]), doctype=doctype)
    response = preview(admin_client, upload)
    assert "DOCTYPE" in response.context["file_error"]


def test_staff_cannot_import(client, staff):
    client.force_login(staff)
    assert client.get(reverse(URL)).status_code == 403


def test_the_changelist_links_to_the_import(admin_client):
    page = admin_client.get(reverse("admin:registry_areacode_changelist"))
    assert reverse(URL) in page.content.decode()

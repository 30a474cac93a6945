"""One field list per resource: the download table declares the columns, and the import
resource and the API's write serializer take their fields from it."""

import pytest

from registry import imports, tables
from registry.api import serializers as s

#: each table, its write serializer, and the fields only the API writes
WRITE_SERIALIZERS = [
    (tables.AREA_CODES, s.AreaCodeWriteSerializer, ["notes", "boundary"]),
    (tables.PACKING_HOUSES, s.PackingHouseWriteSerializer, ["notes"]),
    (tables.COOPERATIVES, s.CooperativeWriteSerializer, []),
    (tables.CERTIFICATES, s.CertificateWriteSerializer, []),
]


@pytest.mark.parametrize(
    ("table", "serializer", "api_only"), WRITE_SERIALIZERS, ids=lambda v: getattr(v, "resource", "")
)
def test_import_and_write_fields_come_from_the_table(table, serializer, api_only):
    writable = table.writable_fields()
    assert writable, table.resource
    resource = imports.RESOURCES[table.model]
    assert list(resource._meta.fields) == writable
    assert list(serializer.Meta.fields) == [*writable, *api_only]
    assert set(serializer().fields) == {*writable, *api_only}


def test_writable_fields_are_the_tables_editable_model_fields():
    area_codes = tables.AREA_CODES.writable_fields()
    assert "cooperative_name" not in area_codes, "a read-only column (a related name)"
    assert "updated_at" not in area_codes, "not editable"
    assert area_codes[:3] == ["code", "kind", "crop"], "in the table's order"

"""Loads provinces and communes from the ``vietnam-provinces`` package.

Used by a data migration (with historical models) and by ``manage.py load_places``; running it
again updates names and adds new units, and never deletes one (codes are never reused).
"""

from vietnam_provinces import Province as VNProvince
from vietnam_provinces import Ward as VNWard

from registry.text import fold


def province_code(value: int) -> str:
    return f"{int(value):02d}"


def commune_code(value: int) -> str:
    return f"{int(value):05d}"


def sync_places(province_model, commune_model) -> tuple[int, int]:
    """Create or update every province and commune; return how many rows were created."""
    existing_provinces = set(province_model.objects.values_list("code", flat=True))
    provinces = [
        province_model(
            code=province_code(p.code),
            name=p.name,
            division_type=p.division_type.value,
            codename=p.codename,
            search_text=fold(f"{province_code(p.code)} {p.name}"),
        )
        for p in VNProvince.iter_all()
    ]
    province_model.objects.bulk_create(
        provinces,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "division_type", "codename", "search_text"],
    )
    existing_communes = set(commune_model.objects.values_list("code", flat=True))
    communes = [
        commune_model(
            code=commune_code(w.code),
            name=w.name,
            division_type=w.division_type.value,
            codename=w.codename,
            province_id=province_code(w.province_code),
            search_text=fold(f"{commune_code(w.code)} {w.name}"),
        )
        for w in VNWard.iter_all()
    ]
    commune_model.objects.bulk_create(
        communes,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "division_type", "codename", "province", "search_text"],
    )
    return (
        len({p.code for p in provinces} - existing_provinces),
        len({c.code for c in communes} - existing_communes),
    )

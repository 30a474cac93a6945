"""``/open-data/``: the catalogue of snapshots (HTML, with its DCAT description as JSON-LD)
and their files, by snapshot id or through ``latest``.

Files are served by Django whatever DEBUG is (a snapshot is a few files a day; a proxy in front
may cache them: a snapshot's files never change, ``latest`` moves once a day). Only names that
``snapshots.file_path`` accepts are served; anything else, ``..`` included, is a 404.
"""

import json
import mimetypes

from django.conf import settings
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from registry.open_data import snapshots
from registry.public.http import content_security_policy

CONTENT_TYPES = {
    ".json": "application/json",
    ".csv": "text/csv; charset=utf-8",
    ".jsonl": "application/jsonl; charset=utf-8",
    ".geojson": "application/geo+json",
    ".zip": "application/zip",
}
LATEST = "latest"


def _content_type(name: str) -> str:
    for suffix, content_type in CONTENT_TYPES.items():
        if name.endswith(suffix):
            return content_type
    if name == "SHA256SUMS":
        return "text/plain; charset=utf-8"
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


@require_safe
def snapshot_file(request, snapshot_id: str, path: str):
    if snapshot_id == LATEST:
        snapshot_id = snapshots.latest_id() or ""
    found = snapshots.file_path(snapshot_id, path)
    if found is None:
        raise Http404
    # FileResponse closes the file when the body has been sent
    response = FileResponse(open(found, "rb"), content_type=_content_type(found.name))  # noqa: SIM115
    if found.suffix == ".zip":
        response["Content-Disposition"] = f'attachment; filename="{found.name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Access-Control-Allow-Origin"] = "*"
    response["X-Open-Data-Snapshot"] = snapshot_id
    latest = request.resolver_match.kwargs["snapshot_id"] == LATEST
    patch_cache_control(response, public=True, max_age=300 if latest else 86400 * 30)
    return response


def _absolute(request, name: str, **kwargs) -> str:
    return request.build_absolute_uri(reverse(name, kwargs=kwargs))


def dcat(request, described: list[dict]) -> dict:
    """The catalogue in DCAT terms (JSON-LD): one dataset, one distribution per snapshot."""
    distributions = []
    for item in described:
        snapshot_id = item["id"]
        distributions += [
            {
                "@type": "dcat:Distribution",
                "dct:title": f"Data package {snapshot_id}",
                "dct:issued": item["snapshot_time"],
                "dcat:accessURL": _absolute(
                    request, "open-data-file", snapshot_id=snapshot_id, path="datapackage.json"
                ),
                "dcat:mediaType": "application/json",
                "dct:conformsTo": "https://specs.frictionlessdata.io/data-package/",
            },
            {
                "@type": "dcat:Distribution",
                "dct:title": f"Zip {snapshot_id}",
                "dct:issued": item["snapshot_time"],
                "dcat:downloadURL": _absolute(
                    request, "open-data-file", snapshot_id=snapshot_id, path=item["zip"]["path"]
                ),
                "dcat:mediaType": "application/zip",
                "dcat:byteSize": item["zip"]["bytes"],
                "spdx:checksum": {
                    "spdx:algorithm": "spdx:checksumAlgorithm_sha256",
                    "spdx:checksumValue": item["zip"]["hash"].removeprefix("sha256:"),
                },
            },
        ]
    return {
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "spdx": "http://spdx.org/rdf/terms#",
        },
        "@type": "dcat:Catalog",
        "dct:title": "Vùng Trồng Registry open data",
        "dcat:dataset": {
            "@type": "dcat:Dataset",
            "dct:title": "Vùng Trồng Registry",
            "dct:description": (
                "Growing-area codes, packing houses, cooperatives, VietGAP certificates and "
                "inspections of the registry, published daily."
            ),
            "dct:license": settings.OPEN_DATA_LICENSE,
            "dcat:accrualPeriodicity": "http://purl.org/cld/freq/daily",
            "dcat:distribution": distributions,
        },
    }


@require_safe
@content_security_policy
def catalogue(request):
    language = request.GET.get("lang")
    if language not in dict(settings.LANGUAGES):
        language = translation.get_language()
    described = [snapshots.metadata(i) for i in reversed(snapshots.snapshot_ids())]
    for item in described:
        item["download"] = reverse(
            "open-data-file", kwargs={"snapshot_id": item["id"], "path": item["zip"]["path"]}
        )
        item["package"] = reverse(
            "open-data-file", kwargs={"snapshot_id": item["id"], "path": "datapackage.json"}
        )
        item["sums"] = reverse(
            "open-data-file", kwargs={"snapshot_id": item["id"], "path": "SHA256SUMS"}
        )
        item["total_rows"] = sum(item["rows"].values())
    context = {
        "snapshots": described,
        "latest": described[0] if described else None,
        "latest_package": reverse(
            "open-data-file", kwargs={"snapshot_id": LATEST, "path": "datapackage.json"}
        ),
        "keep": settings.OPEN_DATA_KEEP,
        "license": settings.OPEN_DATA_LICENSE,
        # JSON-LD inside <script>: no "<" may close it early
        "dcat": json.dumps(dcat(request, described), ensure_ascii=False, indent=1).replace(
            "<", "\\u003c"
        ),
        "languages": settings.LANGUAGES,
        "language": language,
    }
    with translation.override(language):
        response = render(request, "registry/open_data_catalogue.html", context)
        response["Content-Language"] = language
    patch_cache_control(response, public=True, max_age=300)
    return response

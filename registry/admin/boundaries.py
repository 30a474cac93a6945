"""The boundary on an area code's admin page: measured area beside the declared one, the codes
it overlaps, and the read-only list of overlaps."""

import re
import tempfile
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect, JsonResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from registry import boundary_imports, imports
from registry.api import geojson, representations
from registry.models import AreaCode, BoundaryOverlap
from registry.rules import boundaries


class BoundaryAdminMixin:
    """For ``AreaCodeAdmin``: the changelist never reads the boundaries (a page of 50 polygons
    is not shown), the change page shows what is derived from it."""

    boundary_readonly_fields = ("measured_area", "overlaps")
    import_export_change_list_template = "admin/registry/areacode_change_list.html"
    change_form_template = "admin/registry/areacode_change_form.html"
    #: neighbours shown on the map: codes whose boundary lies within this many degrees
    NEIGHBOURHOOD_DEGREES = 0.02
    NEIGHBOURS_SHOWN = 50

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["boundary_map"] = self.boundary_map(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def boundary_map(self, request, code) -> dict:
        """What the map draws (registry/static/registry/boundary_map.js)."""
        near = []
        if code.boundary_min_lon is not None or code.longitude is not None:
            lon = code.boundary_min_lon if code.boundary_min_lon is not None else code.longitude
            lat = code.boundary_min_lat if code.boundary_min_lat is not None else code.latitude
            east = code.boundary_max_lon if code.boundary_max_lon is not None else lon
            north = code.boundary_max_lat if code.boundary_max_lat is not None else lat
            pad = self.NEIGHBOURHOOD_DEGREES
            box = (float(lon) - pad, float(lat) - pad, float(east) + pad, float(north) + pad)
            near = (
                AreaCode.objects.filter(boundaries.near_q(*box))
                .exclude(pk=code.pk)
                .order_by("code")
                .values_list("code", "boundary")[: self.NEIGHBOURS_SHOWN]
            )
        center = (
            [float(code.latitude), float(code.longitude)] if code.latitude is not None else None
        )
        return {
            "boundary": code.boundary,
            "neighbours": {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "id": other, "geometry": geometry, "properties": {}}
                    for other, geometry in near
                ],
            },
            "center": center,
            "tileUrl": settings.MAP_TILE_URL,
            "attribution": settings.MAP_TILE_ATTRIBUTION,
            "editable": self.has_change_permission(request, code),
        }

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "may_import_boundaries": self.has_change_permission(request),
        }
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        view = self.admin_site.admin_view(BoundaryImportView(self))
        return [
            path("import-boundaries/", view, name="registry_areacode_import_boundaries"),
            path(
                "map/",
                self.admin_site.admin_view(self.codes_map_view),
                name="registry_areacode_map",
            ),
            path(
                "map/data.geojson",
                self.admin_site.admin_view(self.codes_map_data),
                name="registry_areacode_map_data",
            ),
            *super().get_urls(),
        ]

    #: the changelist's parameters that do not choose codes (a stale page number would be
    #: refused by the list)
    MAP_DROPPED = ("p", "all")

    def codes_map_view(self, request):
        """The changelist's codes on a map. The data is the changelist's own queryset
        (``codes_map_data``, given the changelist's query string as it is): every list filter,
        the issue year and the search apply, and any filter added later does too."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        params = request.GET.copy()
        for name in self.MAP_DROPPED:
            params.pop(name, None)
        data_url = reverse("admin:registry_areacode_map_data")
        context = {
            **self.admin_site.each_context(request),
            "opts": AreaCode._meta,
            "title": gettext("Map of the growing-area codes"),
            "query": request.GET.urlencode(),
            "codes_map": {
                "geojsonUrl": f"{data_url}?{params.urlencode()}" if params else data_url,
                "tileUrl": settings.MAP_TILE_URL,
                "attribution": settings.MAP_TILE_ATTRIBUTION,
            },
        }
        return TemplateResponse(request, "admin/registry/codes_map.html", context)

    def codes_map_data(self, request):
        """GeoJSON of the codes the changelist with this query string selects, every page
        (as the CSV download): Features as the API's ``?format=geojson`` writes them."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return JsonResponse({"detail": "Unknown filter."}, status=400)
        return StreamingHttpResponse(
            geojson.feature_collection(
                representations.AreaCodes, changelist.queryset.prefetch_related(None)
            ),
            content_type=f"{geojson.MEDIA_TYPE}; charset=utf-8",
        )

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name.endswith("_changelist"):
            queryset = queryset.defer("boundary")
        return queryset

    @admin.display(description=_("measured area (ha)"))
    def measured_area(self, obj):
        if obj is None or obj.measured_area_ha is None:
            return gettext("No boundary.")
        mismatch = boundaries.area_mismatch(obj.measured_area_ha, obj.area_ha)
        difference = (obj.measured_area_ha - obj.area_ha) / obj.area_ha * 100
        text = gettext("%(measured)s ha (%(difference)+.1f%% of the declared area)") % {
            "measured": obj.measured_area_ha,
            "difference": difference,
        }
        if mismatch:
            flag = gettext("more than %(share)s%% off: check the boundary or the declared area")
            share = boundaries.mismatch_share() * 100
            return format_html(
                '{} <strong class="registry-warning">⚠ {}</strong>',
                text,
                flag % {"share": f"{share.normalize():f}"},
            )
        return text

    @admin.display(description=_("overlapping codes"))
    def overlaps(self, obj):
        if obj is None or obj.pk is None:
            return "–"
        found = boundaries.overlaps_of(obj)
        if not found:
            return gettext("None.")
        return format_html(
            '<ul class="registry-overlaps">{}</ul>',
            format_html_join(
                "",
                '<li><a href="{}">{}</a>: {} ha</li>',
                (
                    (
                        reverse("admin:registry_areacode_change", args=[o["id"]]),
                        o["code"],
                        o["area_ha"],
                    )
                    for o in found
                ),
            ),
        )


@admin.register(BoundaryOverlap)
class BoundaryOverlapAdmin(admin.ModelAdmin):
    """Derived from the boundaries, so read-only: fix a boundary to remove an overlap."""

    list_display = ("first", "second", "area_ha", "found_at")
    list_select_related = ("first", "second")
    search_fields = ("first__code", "second__code")
    ordering = ("-area_ha", "id")

    def get_queryset(self, request):
        return super().get_queryset(request).defer("first__boundary", "second__boundary")

    list_per_page = 50

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, search_term.upper())

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class BoundaryImportView:
    """The "Import boundaries" page of the area codes: upload, preview, confirm."""

    TOKEN = re.compile(r"^[0-9a-f]{32}$")

    def __init__(self, model_admin):
        self.model_admin = model_admin

    @staticmethod
    def _directory() -> Path:
        directory = Path(settings.IMPORT_TMP_DIR or tempfile.gettempdir()) / "boundary-imports"
        directory.mkdir(parents=True, exist_ok=True)
        return directory

    def __call__(self, request):
        if not self.model_admin.has_change_permission(request):
            raise PermissionDenied
        context = {**self.model_admin.admin_site.each_context(request), "opts": AreaCode._meta}
        context["title"] = gettext("Import boundaries")
        if request.method == "POST" and request.POST.get("token"):
            return self._confirm(request, context)
        if request.method == "POST":
            return self._preview(request, context)
        return TemplateResponse(request, "admin/registry/boundary_import.html", context)

    def _render(self, request, context, features, token=None):
        context.update(
            features=features,
            token=token if not any(f.errors for f in features) else None,
            counts={
                key: sum(1 for f in features if f.change == key)
                for key in ("new", "changed", "unchanged")
            }
            | {"errors": sum(1 for f in features if f.errors)},
        )
        return TemplateResponse(request, "admin/registry/boundary_import.html", context)

    def _preview(self, request, context):
        upload = request.FILES.get("boundary_file")
        try:
            if upload is None:
                raise boundary_imports.BoundaryFileError(gettext("Choose a file."))
            imports.check_upload_size(upload.size)
            content = upload.read()
            features = boundary_imports.preview(boundary_imports.read_file(upload.name, content))
        except (boundary_imports.BoundaryFileError, imports.ImportLimitError) as error:
            context["file_error"] = str(error)
            return TemplateResponse(request, "admin/registry/boundary_import.html", context)
        token = uuid.uuid4().hex
        (self._directory() / token).write_bytes(content)
        (self._directory() / f"{token}.name").write_text(upload.name)
        context["file_name"] = upload.name
        return self._render(request, context, features, token)

    def _confirm(self, request, context):
        token = request.POST["token"]
        if not self.TOKEN.match(token) or not (self._directory() / token).exists():
            raise PermissionDenied
        path = self._directory() / token
        name = (self._directory() / f"{token}.name").read_text()
        features = boundary_imports.read_file(name, path.read_bytes())
        try:
            saved = boundary_imports.apply(features, user=request.user)
        except boundary_imports.BoundaryImportRefused as refused:
            context["file_name"] = name
            return self._render(request, context, refused.features)
        path.unlink(missing_ok=True)
        (self._directory() / f"{token}.name").unlink(missing_ok=True)
        self.model_admin.message_user(
            request,
            gettext("%(n)s boundaries imported.") % {"n": saved},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:registry_areacode_changelist"))

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from registry.admin.mixins import RegistryAdmin
from registry.models import CertificationBody, Crop, Market


@admin.register(Crop)
class CropAdmin(RegistryAdmin):
    list_display = ("name_vi", "name_en", "scientific_name", "slug", "max_yield_tonnes_per_ha")
    fieldsets = (
        (None, {"fields": ("slug", "name_vi", "name_en", "scientific_name")}),
        (
            _("Capacity check"),
            {"fields": ("max_yield_tonnes_per_ha", "max_yield_source")},
        ),
    )
    prepopulated_fields = {"slug": ("name_en",)}


@admin.register(Market)
class MarketAdmin(RegistryAdmin):
    list_display = ("code", "name_vi", "name_en", "authority", "area_code_pattern")
    fieldsets = (
        (None, {"fields": ("code", "name_vi", "name_en", "authority", "requirements")}),
        (None, {"fields": ("area_code_pattern", "packing_house_code_pattern")}),
    )


@admin.register(CertificationBody)
class CertificationBodyAdmin(RegistryAdmin):
    list_display = ("name", "code", "address")

from django.contrib import admin

from registry.admin.mixins import RegistryAdmin
from registry.models import CertificationBody, Crop, Market


@admin.register(Crop)
class CropAdmin(RegistryAdmin):
    list_display = ("name_vi", "name_en", "scientific_name", "slug")
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

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    default = True
    name = "registry"
    verbose_name = _("Growing-area registry")
    default_auto_field = "django.db.models.BigAutoField"


class RegistryAdminConfig(admin_apps.AdminConfig):
    """The Django admin, with the registry's own site (dashboard on the index)."""

    default = False
    default_site = "registry.admin_site.RegistryAdminSite"

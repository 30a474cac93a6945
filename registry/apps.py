from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    default = True
    name = "registry"
    verbose_name = _("Growing-area registry")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_migrate

        from registry import append_only, changes
        from registry.data_version import install_after_migrate
        from registry.rules import boundaries  # noqa: F401  (its post_save receiver: overlaps)

        # Every table of the app's models moves the data version, new ones included.
        post_migrate.connect(install_after_migrate, sender=self)
        post_migrate.connect(append_only.install_after_migrate, sender=self)  # history tables
        changes.connect_signals()  # the change feed's new codes and inspections


class RegistryAdminConfig(admin_apps.AdminConfig):
    """The Django admin, with the registry's own site (dashboard on the index)."""

    default = False
    default_site = "registry.admin_site.RegistryAdminSite"

    def ready(self):
        super().ready()  # autodiscovers every app's admin module
        from django.contrib import admin

        # Procrastinate's own job admin is English only and hard-coded (its strings cannot be
        # translated); the registry's "Spreadsheet imports" page shows the same jobs.
        for model in list(admin.site._registry):
            if model._meta.app_label == "procrastinate":
                admin.site.unregister(model)

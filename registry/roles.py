"""Who may do what. Three groups, created by a data migration and kept in step by
``sync_role_groups`` (safe to run again):

- **Administrators**: every registry permission, status changes, users and API tokens, and
  sign-in lockouts (django-axes's access attempts: see and lift them).
- **Data entry**: add and change cooperatives, certificates, codes, packing houses,
  inspections (with their samples and attachments), the links of packing houses to
  growing-area codes, growers, seasons and their export declarations; view the rest. No
  status changes, no capacity clearances, no user management.
- **Staff**: view (and so download) everything but the growers (personal data); change
  nothing.
- **Subscribers** (exporters following the change feed): their own subscriptions and their
  deliveries, nothing else (the API and the page scope every query to the owner). Other roles
  but Administrators do not see subscriptions either: they hold people's URLs and addresses.
"""

from django.contrib.auth.management import create_permissions

ADMINISTRATORS = "Administrators"
DATA_ENTRY = "Data entry"
STAFF = "Staff"
SUBSCRIBERS = "Subscribers"
ROLE_NAMES = [ADMINISTRATORS, DATA_ENTRY, STAFF, SUBSCRIBERS]
SUBSCRIPTION_MODELS = ["subscription", "webhookdelivery", "historicalsubscription"]

DATA_ENTRY_MODELS = [
    "cooperative",
    "trademarkright",
    "vietgapcertificate",
    "certificationbody",
    "areacode",
    "packinghouse",
    "inspection",
    "inspectionsample",
    "inspectionattachment",
    "season",
    "seasonmarket",
    "packinghousesource",
    "grower",
]

#: Personal data (growers' names and phones): not for the Staff role, which views everything
#: else. Staff read registry records to answer the public; they need counts, not households.
PRIVATE_VIEW = ["view_grower", "view_historicalgrower"]


def sync_role_groups(apps) -> None:
    """Create the groups and set their permissions. ``apps`` may be a migration's registry."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    registry = permission_model.objects.filter(content_type__app_label="registry")

    administrators, _ = group_model.objects.get_or_create(name=ADMINISTRATORS)
    administrators.permissions.set(
        registry
        | permission_model.objects.filter(
            # users, API tokens, and sign-in lockouts (django-axes: seen and lifted)
            content_type__app_label__in=["auth", "authtoken", "axes"],
        )
    )

    data_entry, _ = group_model.objects.get_or_create(name=DATA_ENTRY)
    editable = [f"{action}_{model}" for model in DATA_ENTRY_MODELS for action in ("add", "change")]
    registry_views = registry.filter(codename__startswith="view_").exclude(
        content_type__model__in=SUBSCRIPTION_MODELS
    )
    data_entry.permissions.set(registry.filter(codename__in=editable) | registry_views)

    staff, _ = group_model.objects.get_or_create(name=STAFF)
    staff.permissions.set(registry_views.exclude(codename__in=PRIVATE_VIEW))

    subscribers, _ = group_model.objects.get_or_create(name=SUBSCRIBERS)
    subscribers.permissions.set(
        registry.filter(
            codename__in=[
                *(f"{action}_subscription" for action in ("add", "change", "delete", "view")),
                "view_webhookdelivery",
            ]
        )
    )

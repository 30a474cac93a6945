from django.db import migrations


def sync_roles(apps, schema_editor):
    """Administrators see and lift sign-in lockouts (registry.roles)."""
    from registry.roles import sync_role_groups

    sync_role_groups(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0019_boundaries_and_points"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]

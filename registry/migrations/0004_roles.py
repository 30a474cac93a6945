"""The three roles: Administrators, Data entry and Staff (see registry.roles)."""

from django.db import migrations


def create_groups(apps, schema_editor):
    from registry.roles import sync_role_groups

    sync_role_groups(apps)


def delete_groups(apps, schema_editor):
    from registry.roles import ROLE_NAMES

    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_NAMES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0003_postgres_search_indexes"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("authtoken", "0004_alter_tokenproxy_options"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]

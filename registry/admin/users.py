"""Users, groups and API tokens, managed by Administrators who are not superusers.

Administrators manage accounts but cannot grant what they do not hold: they cannot make anyone
a superuser, touch a superuser's account, or give a user or a group a permission (or a group
carrying one) that they lack themselves. What a user already has beyond the editor's reach is
kept, not silently dropped, when the editor saves.

A user named in the audit history cannot be deleted (the history is append-only); the delete
page says so and offers to deactivate instead.

API tokens are listed by user and creation date, never by key: a key is shown once, in the
message after it is created, and a lost key is replaced (delete the token, add a new one).
"""

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, Permission, User
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from registry import append_only
from registry.admin.mixins import TranslatedBooleansMixin
from registry.models import ApiToken


def held_permissions(user):
    """The permissions ``user`` holds (directly or through groups), as a queryset."""
    if user.is_superuser:
        return Permission.objects.all()
    by_app: dict[str, list[str]] = {}
    for name in user.get_all_permissions():
        app_label, codename = name.split(".", 1)
        by_app.setdefault(app_label, []).append(codename)
    # one condition per app, not per permission: SQLite refuses expression trees over 1,000 deep
    match = Q(pk__in=[])
    for app_label, codenames in by_app.items():
        match |= Q(content_type__app_label=app_label, codename__in=codenames)
    return Permission.objects.filter(match)


def groups_within(user):
    """The groups all of whose permissions ``user`` holds."""
    if user.is_superuser:
        return Group.objects.all()
    beyond = Permission.objects.exclude(pk__in=held_permissions(user))
    return Group.objects.exclude(permissions__in=beyond)


class WithinOwnPowers:
    """Many-to-many choices limited to what the editor holds; the rest is kept on save."""

    limited = {"user_permissions": held_permissions, "groups": groups_within}

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in self.limited and not request.user.is_superuser:
            kwargs["queryset"] = self.limited[db_field.name](request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_related(self, request, form, formsets, change):
        kept = {}
        if change and not request.user.is_superuser:
            for name, within in self.limited.items():
                if name in form.cleaned_data:
                    current = getattr(form.instance, name).all()
                    kept[name] = list(current.exclude(pk__in=within(request.user)))
        super().save_related(request, form, formsets, change)
        for name, objects in kept.items():
            getattr(form.instance, name).add(*objects)


class RegistryUserAdmin(TranslatedBooleansMixin, WithinOwnPowers, UserAdmin):
    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if not request.user.is_superuser:
            fields = (*fields, "is_superuser")
        return fields

    def _reaches(self, request, obj) -> bool:
        return obj is None or request.user.is_superuser or not obj.is_superuser

    def has_change_permission(self, request, obj=None):
        return self._reaches(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._reaches(request, obj) and super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs, request):
        """A user named in the audit history is kept (the history is append-only): the
        confirmation page lists why, and offers no deletion, as for any protected object."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        named = [
            ngettext(
                "%(user)s is named in %(count)d entry of the audit history: deactivate the "
                "account instead (untick “Active”).",
                "%(user)s is named in %(count)d entries of the audit history: deactivate the "
                "account instead (untick “Active”).",
                count,
            )
            % {"user": user, "count": count}
            for user, count in append_only.audit_mentions(list(objs)).items()
        ]
        return deleted, counts, perms_needed, [*protected, *named]


class RegistryGroupAdmin(WithinOwnPowers, GroupAdmin):
    limited = {"permissions": held_permissions}

    def has_change_permission(self, request, obj=None):
        carries_more = (
            obj is not None
            and not request.user.is_superuser
            and obj.permissions.exclude(pk__in=held_permissions(request.user)).exists()
        )
        return not carries_more and super().has_change_permission(request, obj)


class ApiTokenAdmin(TokenAdmin):
    list_display = ("user", "created")
    readonly_fields = ("created",)

    def get_fields(self, request, obj=None):
        return ("user",) if obj is None else ("user", "created")

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self.message_user(
            request,
            _(
                "The API token of %(user)s is %(key)s. Copy it now: it is not shown again. "
                "Send it as the header “Authorization: Token %(key)s”."
            )
            % {"user": obj.user, "key": obj.key},
            messages.SUCCESS,
        )


if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)
for model, model_admin in (
    (User, RegistryUserAdmin),
    (Group, RegistryGroupAdmin),
    (ApiToken, ApiTokenAdmin),
):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)

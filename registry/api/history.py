"""``/history/`` on a record: every create and update, who made it, and what changed.
For signed-in users who may view that kind of record."""

from datetime import date, datetime
from decimal import Decimal

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


class CanViewRecords(BasePermission):
    def has_permission(self, request, view):
        opts = view.get_queryset().model._meta
        return bool(
            request.user
            and request.user.is_authenticated
            and request.user.has_perm(f"{opts.app_label}.view_{opts.model_name}")
        )


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def history_entries(instance) -> list[dict]:
    """The instance's history, oldest first, each entry with the field values it changed."""
    records = list(instance.history.select_related("history_user").order_by("history_date"))
    entries, previous = [], None
    for record in records:
        if previous is None:
            changes = [
                {"field": field.name, "old": None, "new": _plain(getattr(record, field.attname))}
                for field in record.tracked_fields
                if getattr(record, field.attname) not in (None, "")
            ]
        else:
            changes = [
                {"field": change.field, "old": _plain(change.old), "new": _plain(change.new)}
                for change in record.diff_against(previous).changes
            ]
        entries.append(
            {
                "date": record.history_date.isoformat(),
                "type": HISTORY_TYPES[record.history_type],
                "user": record.history_user.get_username() if record.history_user else None,
                "reason": record.history_change_reason or "",
                "changes": changes,
            }
        )
        previous = record
    return entries


class HistoryMixin:
    @extend_schema(
        responses={200: OpenApiResponse(description="The record's change history, oldest first.")},
        summary="Who changed this record, when, and what changed",
    )
    @action(
        detail=True,
        methods=["get"],
        permission_classes=[CanViewRecords],
        filter_backends=[],
        pagination_class=None,
    )
    def history(self, request, **kwargs):
        return Response(history_entries(self.get_object()))

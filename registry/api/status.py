"""``/status-changes/`` on a code: its timeline (public) and new changes (with permission).

The public timeline names the acting office, never a person: usernames are shown to signed-in
staff only."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response

from registry.api import serializers as s
from registry.rules import status_changes


class CanChangeCodeStatus(BasePermission):
    """Reading the timeline is public; recording a change needs ``may_change_status``."""

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return status_changes.may_change_status(request.user, view.get_queryset().model)


class StatusChangesMixin:
    @extend_schema(
        methods=["GET"],
        responses=s.StatusChangeSerializer(many=True),
        summary="The code's status timeline, oldest first",
    )
    @extend_schema(
        methods=["POST"],
        request=s.StatusChangeRequestSerializer,
        responses={201: s.StatusChangeSerializer(many=True)},
        summary="Suspend, reinstate or revoke the code for markets",
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="status-changes",
        permission_classes=[CanChangeCodeStatus],
        filter_backends=[],
        pagination_class=None,
    )
    def status_changes(self, request, **kwargs):
        subject = self.get_object()
        if request.method == "GET":
            timeline = subject.status_changes.select_related("market", "recorded_by")
            context = {"request": request}
            return Response(s.StatusChangeSerializer(timeline, many=True, context=context).data)
        payload = s.StatusChangeRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            recorded = status_changes.change_status(
                subject,
                data["to_status"],
                markets=data.get("markets") or None,
                effective_on=data.get("effective_on"),
                reason=data["reason"],
                source=data["source"],
                reference=data["reference"],
                user=request.user,
            )
        except status_changes.StatusChangeError as error:
            raise ValidationError(error.message_dict) from error
        return Response(
            s.StatusChangeSerializer(recorded, many=True, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

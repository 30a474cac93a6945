"""Admin actions that change a code's status per market: register (or reinstate), suspend,
revoke. Each opens a form for the markets, reason, source, reference and effective date, then
calls ``registry.rules.status_changes.change_status`` for every selected code, all or nothing."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers, widgets
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.fields import BLANK_CHOICE_DASH
from django.template.response import TemplateResponse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from registry.models import ChangeSource, CodeStatus, Market
from registry.rules import dates, status_changes


class StatusChangeForm(forms.Form):
    """Which markets, from when, why and on whose word. The source has no default: a
    pre-selected first choice ("registration") would be recorded on every suspension or
    revocation whose form nobody changed."""

    required_css_class = "required"

    markets = forms.ModelMultipleChoiceField(
        label=_("markets"),
        queryset=Market.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty to change every market the code has a status for."),
    )
    effective_on = forms.DateField(
        label=_("effective date"),
        initial=dates.today,
        widget=widgets.AdminDateWidget,
    )
    reason = forms.CharField(
        label=_("reason"), widget=widgets.AdminTextareaWidget(attrs={"rows": 3})
    )
    source = forms.ChoiceField(
        label=_("source"),
        choices=BLANK_CHOICE_DASH + ChangeSource.choices,
        error_messages={"required": _("Choose where this change comes from.")},
    )
    reference = forms.CharField(
        label=_("reference number"),
        required=False,
        widget=widgets.AdminTextInputWidget,
        help_text=_("Number of the importing-country notice or inspection record."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # as the admin's own forms show them
            field.label = capfirst(field.label)

    def as_admin_form(self) -> helpers.AdminForm:
        """The form in the admin's own layout (aligned rows, errors beside each field)."""
        return helpers.AdminForm(
            self, [(None, {"fields": list(self.fields)})], prepopulated_fields={}
        )


def _status_action(to_status: str, description, requires_market: bool = False):
    def action(modeladmin, request, queryset):
        form = StatusChangeForm(request.POST if "apply" in request.POST else None)
        if requires_market:
            form.fields["markets"].required = True
            form.fields["markets"].help_text = ""
        if form.is_valid():
            try:
                with transaction.atomic():
                    for subject in queryset:
                        status_changes.change_status(
                            subject,
                            to_status,
                            markets=list(form.cleaned_data["markets"]) or None,
                            effective_on=form.cleaned_data["effective_on"],
                            reason=form.cleaned_data["reason"],
                            source=form.cleaned_data["source"],
                            reference=form.cleaned_data["reference"],
                            user=request.user,
                        )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                modeladmin.message_user(
                    request,
                    _("%(count)d record(s) changed to “%(status)s”.")
                    % {"count": len(queryset), "status": CodeStatus(to_status).label},
                    messages.SUCCESS,
                )
                return None
        return TemplateResponse(
            request,
            "admin/registry/status_change.html",
            {
                **modeladmin.admin_site.each_context(request),
                "title": description,
                "form": form,
                "adminform": form.as_admin_form(),
                "media": modeladmin.media + form.media,
                "queryset": queryset,
                "opts": modeladmin.model._meta,
                "action": request.POST.get("action"),
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "to_status": CodeStatus(to_status).label,
            },
        )

    action.__name__ = f"make_{to_status}"
    return admin.action(description=description, permissions=["change_code_status"])(action)


register_or_reinstate = _status_action(
    CodeStatus.ACTIVE, _("Register or reinstate as active for markets…"), requires_market=True
)
suspend = _status_action(CodeStatus.SUSPENDED, _("Suspend for markets…"))
revoke = _status_action(CodeStatus.REVOKED, _("Revoke for markets… (final)"))

STATUS_ACTIONS = [register_or_reinstate, suspend, revoke]


class StatusActionsMixin:
    actions = STATUS_ACTIONS

    def has_change_code_status_permission(self, request, obj=None):
        return status_changes.may_change_status(request.user, self.model)

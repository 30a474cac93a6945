"""``/subscriptions/``: a subscriber's own page (server-rendered, Vietnamese or English by the
usual language choice, ``?lang=en`` included): their watch lists, a form to add one (the same
checks as the API: ``SubscriptionSerializer``), the secret shown once after adding, each
one's latest deliveries, and removal. Sign-in at ``/accounts/login/``."""

import contextlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from registry.api.subscriptions import PERMISSION, SubscriptionSerializer
from registry.models import Subscription
from registry.public.http import content_security_policy

FIELDS = ("name", "codes", "market", "province", "crop", "url")
LATEST_DELIVERIES = 10


def _language(request):
    lang = request.GET.get("lang")
    return translation.override(lang) if lang in ("vi", "en") else contextlib.nullcontext()


@content_security_policy
@login_required
@permission_required(PERMISSION, raise_exception=True)
def subscriptions_page(request):
    with _language(request):
        form, errors, secret = {}, {}, None
        if request.method == "POST":
            form = {name: request.POST.get(name, "").strip() for name in FIELDS}
            data = {**form, "codes": form["codes"].replace(",", " ").split()}
            data["email_digest"] = request.POST.get("email_digest") == "on"
            serializer = SubscriptionSerializer(data=data)
            if serializer.is_valid():
                subscription = serializer.save(owner=request.user)
                secret = subscription.secret
                messages.success(request, _("Subscription added."))
                form = {}
            else:
                errors = serializer.errors
        subscriptions = Subscription.objects.filter(owner=request.user).order_by("id")
        rows = [
            (s, s.deliveries.select_related("event")[:LATEST_DELIVERIES]) for s in subscriptions
        ]
        return render(
            request,
            "registry/subscriptions/page.html",
            {"rows": rows, "form": form, "errors": errors, "secret": secret},
            status=400 if errors else 200,
        )


@login_required
@permission_required(PERMISSION, raise_exception=True)
@require_POST
def delete_subscription(request, pk: int):
    get_object_or_404(Subscription, pk=pk, owner=request.user).delete()
    messages.success(request, _("Subscription removed."))
    return redirect("subscriptions-page")

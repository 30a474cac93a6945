"""The daily e-mail digest: for each active subscription that asks for it, the events of the
change feed that match it since the last digest, sent to its owner's address through Django's
e-mail backend (the console by default). Run by the worker every day (a periodic task,
``DIGEST_CRON``) or by ``manage.py send_digests``.

Each subscription keeps the feed cursor its last digest reached, so a digest never repeats an
event and never skips one (the feed's own guarantee); a subscription's first digest starts
from the events recorded after it was made. Nothing is sent when nothing matched, but the
cursor still moves on.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _

from registry import changes
from registry.feeds import describe
from registry.models import Subscription

MAX_EVENTS = 1000


def send_digests() -> int:
    """Send every due digest; return how many e-mails were sent."""
    sent = 0
    for subscription in Subscription.objects.filter(active=True, email_digest=True).select_related(
        "owner"
    ):
        sent += send_digest(subscription)
    return sent


def send_digest(subscription: Subscription) -> int:
    served = changes.served()
    if subscription.digest_cursor:
        events = changes.after(served, changes.decode_cursor(subscription.digest_cursor))
    else:
        events = served.filter(recorded_at__gte=subscription.created_at)
    events = list(events[:MAX_EVENTS])
    if not events:
        return 0
    matching = [event for event in events if subscription.matches(event)]
    sent = 0
    if matching and subscription.owner.email:
        with translation.override(subscription.language):
            lines = [f"{event.effective_on.isoformat()}  {describe(event)}" for event in matching]
            subject = _("%(name)s: %(count)d changes in the registry") % {
                "name": subscription.name,
                "count": len(matching),
            }
            body = "\n".join(
                [
                    _("Changes matching your subscription “%(name)s”:")
                    % {"name": subscription.name},
                    "",
                    *lines,
                ]
            )
        sent = send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [subscription.owner.email])
    subscription.digest_cursor = changes.encode_cursor(changes.position_of(events[-1]))
    subscription.save(update_fields=["digest_cursor", "updated_at"])
    return sent

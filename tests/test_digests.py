"""The daily e-mail digest (issue 13): the events matching a subscription since the last
digest, once each, in the subscriber's language (Django's locmem e-mail backend here)."""

import time

import pytest
from django.core import mail
from django.core.management import call_command

from registry import changes, digests
from registry.models import ChangeEvent, CodeStatus, Subscription
from tests.factories import AreaCodeFactory, MarketFactory, UserFactory, set_status

pytestmark = pytest.mark.django_db(transaction=True)


def wait_until_served(count, seconds=120.0):
    """Events are served once every older transaction on the server has ended."""
    deadline = time.monotonic() + seconds
    while changes.served().count() < count and time.monotonic() < deadline:
        time.sleep(0.1)
    assert changes.served().count() >= count


def test_the_digest_sends_matching_events_once_in_the_subscribers_language(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    au, us = MarketFactory(code="AU"), MarketFactory(code="US")
    watched, other = AreaCodeFactory(code="VN-SLOR-0404"), AreaCodeFactory(code="VN-SLOR-0405")
    owner = UserFactory(username="exporter", email="exporter@example.com", is_staff=False)
    subscription = Subscription.objects.create(
        owner=owner, name="AU", market_code="AU", email_digest=True, language="en"
    )
    Subscription.objects.create(owner=owner, name="no digest", url="https://8.8.8.8/")
    set_status(watched, CodeStatus.ACTIVE, au)
    set_status(other, CodeStatus.ACTIVE, us)
    wait_until_served(ChangeEvent.objects.count())

    call_command("send_digests", verbosity=0)
    (message,) = mail.outbox
    assert message.to == ["exporter@example.com"]
    assert message.subject == "AU: 1 changes in the registry"
    assert "VN-SLOR-0404, market AU: active" in message.body
    assert "VN-SLOR-0405" not in message.body, "another market, and older new codes"

    assert digests.send_digests() == 0, "nothing new: nothing sent"
    set_status(watched, CodeStatus.SUSPENDED, au)
    subscription.refresh_from_db()
    subscription.language = "vi"
    subscription.save()
    wait_until_served(ChangeEvent.objects.count())
    assert digests.send_digests() == 1
    assert "VN-SLOR-0404, thị trường AU: tạm dừng" in mail.outbox[1].body
    assert "active" not in mail.outbox[1].body, "the first event is not sent twice"

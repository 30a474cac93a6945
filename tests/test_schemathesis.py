"""schemathesis against the app's own OpenAPI schema (issue 10), in process through the WSGI
application: every operation, in the examples, coverage and fuzzing phases, with an
Administrators token so writes run too, on the sample data. No answer may be a 5xx, and every
answer must be one the schema documents (status code, content type, body).

Bounded: a few examples per operation and phase (SCHEMATHESIS_MAX_EXAMPLES to raise it); the
sample data is loaded once for the module, in a transaction rolled back at its end, and each
operation's examples run in a savepoint inside it.

schemathesis 4's lazy loader (``schemathesis.pytest.from_fixture``) does not run under pytest
9.2 (it sets ``Node._nodeid``, which pytest no longer has), so the schema is loaded when the
module is imported, from ``/api/schema/`` through the WSGI app.
"""

import os

import pytest
import schemathesis
from django.contrib.auth.models import Group
from django.core import signals
from django.core.management import call_command
from django.db import close_old_connections, transaction
from django.test import override_settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from rest_framework.views import APIView
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from registry import roles
from tests.factories import UserFactory

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "6"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

with override_settings(ALLOWED_HOSTS=["localhost"]):  # the host schemathesis sends
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
schema.config.phases.update(phases=["examples", "coverage", "fuzzing"])


@pytest.fixture(scope="module")
def administrator_token(django_db_setup, django_db_blocker):
    """The sample data and an Administrator's token, for every operation of the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_sample_data", verbosity=0)
        user = UserFactory(username="schemathesis-administrator")
        user.groups.add(Group.objects.get(name=roles.ADMINISTRATORS))
        yield Token.objects.create(user=user).key
        transaction.set_rollback(True)


@pytest.fixture
def wsgi_app(administrator_token, db, settings, monkeypatch):
    settings.ALLOWED_HOSTS = ["localhost"]
    # Rate limits are tested elsewhere; here they would only turn examples into 429s.
    monkeypatch.setattr(APIView, "get_throttles", lambda self: [])
    # As Django's test client does: the database connection is the test's (in a transaction),
    # not to be closed at the start and end of each request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.slow
@schema.parametrize()
@hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, administrator_token, wsgi_app):
    case.call_and_validate(headers={"Authorization": f"Token {administrator_token}"}, checks=CHECKS)

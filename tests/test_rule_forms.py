"""Each rule has a Python form and a query form: both are held here against a table of cases
whose answers are written out by hand (the oracle), not computed by either form."""

import ast
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import TextField, Value

from registry import exports, keys
from registry.models import AreaCode, CertificateValidity, CodeStatus, Market, VietGAPCertificate
from registry.rules import dates, queries, transitions
from tests.factories import AreaCodeFactory, CertificateFactory, MarketFactory

pytestmark = pytest.mark.django_db

D = date(2025, 6, 15)
DAY = timedelta(days=1)

#: (case, issued_on, expires_on, revoked_on, in force on D)
IN_FORCE_CASES = [
    ("in force", date(2024, 1, 1), date(2025, 12, 31), None, True),
    ("revoked before D", date(2024, 1, 1), date(2025, 12, 31), D - DAY, False),
    ("revoked on D", date(2024, 1, 1), date(2025, 12, 31), D, False),
    ("revoked after D", date(2024, 1, 1), date(2025, 12, 31), D + DAY, True),
    ("not yet issued on D", D + DAY, date(2027, 6, 1), None, False),
    ("issued on D", D, date(2027, 6, 1), None, True),
    ("expires on D", date(2023, 7, 1), D, None, True),
    ("expired the day before D", date(2023, 7, 1), D - DAY, None, False),
    ("expired and revoked", date(2023, 7, 1), D - DAY, date(2024, 1, 1), False),
]


@pytest.fixture
def coded_certificates():
    """One area code per case, relying on that case's certificate, and one relying on none."""
    codes = {}
    for case, issued_on, expires_on, revoked_on, _expected in IN_FORCE_CASES:
        certificate = CertificateFactory(
            issued_on=issued_on,
            expires_on=expires_on,
            revoked_on=revoked_on,
            revocation_reason="test" if revoked_on else "",
        )
        codes[case] = AreaCodeFactory(
            certificate=certificate, cooperative=certificate.cooperative, crop=certificate.crop
        )
    codes["no certificate"] = AreaCodeFactory(certificate=None)
    return codes


def test_certificate_in_force_python_and_sql_agree_with_the_table(coded_certificates):
    expected = {case: answer for case, *_dates, answer in IN_FORCE_CASES}
    expected["no certificate"] = True
    in_force_sql = set(
        AreaCode.objects.filter(queries.certificate_in_force_q(D)).values_list("pk", flat=True)
    )
    for case, code in coded_certificates.items():
        code = AreaCode.objects.select_related("certificate").get(pk=code.pk)
        python = dates.certificate_in_force(code.certificate, D)
        sql = code.pk in in_force_sql
        assert (python, sql) == (expected[case], expected[case]), case


@pytest.mark.parametrize("on", [D - DAY, D, D + DAY])
def test_certificate_validity_python_and_sql_agree(coded_certificates, on):
    for state in CertificateValidity.values:
        sql = set(
            VietGAPCertificate.objects.filter(
                queries.certificate_validity_q(state, on)
            ).values_list("pk", flat=True)
        )
        python = {
            c.pk
            for c in VietGAPCertificate.objects.all()
            if dates.certificate_validity(c, on) == state
        }
        assert sql == python, state


def test_each_certificate_has_one_validity_and_it_matches_in_force(coded_certificates):
    """The validity states partition the certificates, and "in force on D" is exactly
    valid or expiring on D (a certificate not yet issued is neither)."""
    for case, code in coded_certificates.items():
        certificate = AreaCode.objects.select_related("certificate").get(pk=code.pk).certificate
        if certificate is None:
            continue
        states = [
            state
            for state in CertificateValidity.values
            if VietGAPCertificate.objects.filter(
                queries.certificate_validity_q(state, D), pk=certificate.pk
            ).exists()
        ]
        assert states == [dates.certificate_validity(certificate, D)], case
        in_force = states[0] in (CertificateValidity.VALID, CertificateValidity.EXPIRING)
        assert in_force == dates.certificate_in_force(certificate, D), case
    not_yet = coded_certificates["not yet issued on D"].certificate
    assert dates.certificate_validity(not_yet, D) == CertificateValidity.NOT_YET_VALID


def test_active_python_and_sql_agree():
    au, us, cn = MarketFactory(code="AU"), MarketFactory(code="US"), MarketFactory(code="CN")
    code = AreaCodeFactory()
    current_model, _history = queries.status_models(AreaCode)
    rows = {
        au: CodeStatus.ACTIVE,
        us: CodeStatus.SUSPENDED,
        cn: CodeStatus.REVOKED,
    }
    for market, status in rows.items():
        current_model.objects.create(
            subject=code, market=market, status=status, since=D, reason="x"
        )
    sql = set(
        current_model.objects.filter(queries.active_now_q()).values_list("market__code", flat=True)
    )
    python = {market.code for market, status in rows.items() if transitions.is_active(status)}
    assert sql == python == {"AU"}
    assert not current_model.objects.filter(queries.active_now_q([us, cn])).exists()


CELLS = [
    *(start + "1+1" for start in exports.FORMULA_STARTS),
    "1+1",
    "VN-SLOR-0001",
    "Nhãn Sơn La",
    " =1",
    "'=1",
    "''-5",
    "'abc",
    "'",
    "",
]


@pytest.mark.parametrize("text", CELLS)
def test_formula_escape_python_and_sql_agree(text):
    if connection.vendor != "postgresql":
        pytest.skip("the SQL escape serves PostgreSQL's COPY")
    market = MarketFactory()
    sql = (
        Market.objects.filter(pk=market.pk)
        .annotate(cell=exports.escaped(Value(text, output_field=TextField())))
        .values_list("cell", flat=True)
        .get()
    )
    python = exports.escape_cell(text)
    assert (sql if sql is not None else "") == python
    assert (python != text) == text.lstrip("'").startswith(exports.FORMULA_STARTS)


@pytest.mark.parametrize("text", CELLS)
def test_unescape_removes_exactly_what_escape_added(text):
    assert exports.unescape_cell(exports.escape_cell(text)) == text


@pytest.mark.parametrize(
    "normalise, raw, stored",
    [
        (keys.normalise_code, " vn–slor—0001 ", "VN-SLOR-0001"),
        (keys.normalise_tax_code, " 0123456789-001 ", "0123456789-001"),
        (keys.normalise_tax_code, "0312 687 878 – 001", "0312687878-001"),
        (keys.normalise_tax_code, "0312687878001", "0312687878-001"),
        (keys.normalise_tax_code, "01.00.112.437", "0100112437"),
        (keys.normalise_tax_code, " 12-34 ", "12-34"),  # not a tax code: trimmed only
        (keys.normalise_commune_code, "4204", "04204"),
        (keys.normalise_commune_code, "04204", "04204"),
        (keys.normalise_province_code, "4", "04"),
        (keys.normalise_province_code, " 14", "14"),
        (keys.normalise_market_code, " au ", "AU"),
        (keys.normalise_crop_slug, "Longan ", "longan"),
    ],
)
def test_keys(normalise, raw, stored):
    assert normalise(raw) == stored
    assert normalise(stored) == stored


REGISTRY = Path(__file__).resolve().parent.parent / "registry"
#: Below the models: they import no models, so the models may import them.
BELOW_MODELS = {
    "registry.keys": "keys.py",
    "registry.choices": "choices.py",
    "registry.text": "text.py",
    "registry.rules": "rules/__init__.py",
    "registry.rules.dates": "rules/dates.py",
    "registry.rules.transitions": "rules/transitions.py",
    "registry.rules.geometry": "rules/geometry.py",
    "registry.rules.tax_codes": "rules/tax_codes.py",
}


def registry_modules_imported(path: Path) -> set[str]:
    """The registry modules a file imports at run time (``from registry import keys`` counts
    as ``registry.keys``; imports for type checkers only do not count)."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            node.body = []
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "registry":
            found |= {f"registry.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {name for name in found if name.split(".")[0] == "registry"}


def test_models_import_only_what_sits_below_them():
    for module, name in BELOW_MODELS.items():
        assert registry_modules_imported(REGISTRY / name) <= set(BELOW_MODELS), module
    for path in (REGISTRY / "models").glob("*.py"):
        imported = registry_modules_imported(path)
        above = {m for m in imported if not m.startswith("registry.models")} - set(BELOW_MODELS)
        assert not above, (path.name, above)


def test_pure_modules_load_without_the_models():
    script = (
        "import sys\n"
        "import registry.keys, registry.rules, registry.rules.dates, registry.rules.transitions\n"
        "import registry.rules.geometry, registry.rules.tax_codes\n"
        "loaded = [m for m in sys.modules if m.startswith('registry.models')]\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr

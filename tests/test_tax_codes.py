"""A cooperative's tax code carries a check digit (python-stdnum's ``stdnum.vn.mst``): a wrong
one is refused wherever a tax code is entered (admin, API, spreadsheet import) with a message on
the tax code, nothing saved; a stored code that fails it (saved before it was checked) still
loads and shows, is refused on the next save until corrected, and ``check_registry`` lists it.
Every tax code the project makes (sample data, import samples, factories, bench) passes."""

import io
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient
from stdnum.vn import mst

from registry import imports, sample_data
from registry.models import AreaCode, Cooperative, TrademarkRight
from registry.rules import tax_codes
from registry.rules.tax_codes import tax_code, tax_code_problem, with_check_digit
from tests.factories import CooperativeFactory, UserFactory, commune

pytestmark = pytest.mark.django_db
API = "/api/v1"

#: Published tax codes (python-stdnum's documentation): an oracle independent of our helpers.
PUBLISHED_VALID = ["0100233488", "0314409058-002", "0100112437", "0312687878-001"]
PUBLISHED_WRONG_CHECK_DIGIT = "0100233480"

GOOD = tax_code(7)
#: The same first nine digits with the next last digit: the format is right, the check digit not.
WRONG = GOOD[:9] + str((int(GOOD[9]) + 1) % 10)


def check_digit_message(value: str, language: str | None = None) -> str:
    """The message in ``language``, or in the language active where it is asked for."""
    with translation.override(language or translation.get_language()):
        return str(tax_codes.CHECK_DIGIT_MESSAGE) % {"value": value}


def legacy_cooperative(**kwargs) -> Cooperative:
    """A cooperative stored before the check digit was checked: the database takes it (its
    constraint is the format only); no validation runs on ``create``."""
    return Cooperative.objects.create(
        tax_code=WRONG, name="HTX Cũ", commune=commune("04204"), **kwargs
    )


# --- The rule -----------------------------------------------------------------------------------


@pytest.mark.parametrize("code", PUBLISHED_VALID)
def test_published_codes_pass(code):
    assert tax_code_problem(code) is None
    assert tax_codes.is_valid(code)


def test_a_published_code_with_a_wrong_check_digit_is_refused():
    problem = tax_code_problem(PUBLISHED_WRONG_CHECK_DIGIT)
    assert problem.code == "tax_code_check_digit"
    assert problem.messages == [check_digit_message(PUBLISHED_WRONG_CHECK_DIGIT)]
    assert "0100233488" not in problem.messages[0], "the message does not give the right digit"


def test_exactly_one_last_digit_fits_the_first_nine():
    accepted = [d for d in "0123456789" if tax_code_problem(GOOD[:9] + d) is None]
    assert accepted == [GOOD[9]]
    assert tax_code_problem(f"{WRONG}-001").code == "tax_code_check_digit"


@pytest.mark.parametrize(
    "code, error",
    [
        ("5500000000", "tax_code_serial"),  # serial 0000000 is never issued
        (f"{GOOD}-000", "tax_code_branch"),
        ("٠١٠٠٢٣٣٤٨٨", "invalid"),  # digits, for \d, but not 0-9
    ],
)
def test_other_refusals_name_their_reason(code, error):
    assert tax_code_problem(code).code == error


@pytest.mark.parametrize("code", ["", "123", "12-34", "0100233488-01", None])
def test_the_wrong_format_is_left_to_the_format_validator(code):
    assert tax_code_problem(code) is None


def test_helpers_make_valid_codes_and_refuse_serials_without_a_check_digit():
    assert with_check_digit("010023348") == "0100233488"  # published
    assert with_check_digit("031440905") == "0314409058"
    assert tax_code(1, office="55", branch=2) == f"{tax_code(1)}-002"
    for serial in range(1, 200):
        try:
            code = tax_code(serial)
        except ValueError:
            assert len(mst.calc_check_digit(f"55{serial:07d}")) == 2  # "10": no digit fits
            continue
        assert mst.is_valid(code) and code[2:9] == f"{serial:07d}"
    codes = list(zip(range(30), tax_codes.valid_tax_codes(), strict=False))
    assert len({code for _, code in codes}) == 30
    assert all(mst.is_valid(code) for _, code in codes)


# --- The model ----------------------------------------------------------------------------------


def test_full_clean_refuses_a_wrong_check_digit_on_the_tax_code():
    cooperative = Cooperative(tax_code=WRONG, name="HTX", commune=commune())
    with pytest.raises(ValidationError) as error:
        cooperative.full_clean()
    assert error.value.message_dict == {"tax_code": [check_digit_message(WRONG)]}


def test_the_wrong_format_gets_one_message_only():
    cooperative = Cooperative(tax_code="12-34", name="HTX", commune=commune())
    with pytest.raises(ValidationError) as error:
        cooperative.full_clean()
    assert len(error.value.message_dict["tax_code"]) == 1


def test_a_stored_code_with_a_wrong_check_digit_still_loads():
    legacy = legacy_cooperative()
    assert Cooperative.objects.get(pk=legacy.pk).tax_code == WRONG


# --- Admin --------------------------------------------------------------------------------------


def cooperative_form(tax_code_value: str, **extra) -> dict:
    return {
        "tax_code": tax_code_value,
        "name": "HTX Thử Nghiệm",
        "status": "active",
        "commune": "04204",
        **{
            f"{prefix}-{field}": "0"
            for prefix in ("trademark_rights", "certificates", "area_codes")
            for field in ("TOTAL_FORMS", "INITIAL_FORMS")
        },
        **extra,
    }


def with_trademark_right(data: dict) -> dict:
    return data | {
        "trademark_rights-TOTAL_FORMS": "1",
        "trademark_rights-0-mark": "Nhãn Sơn La",
        "trademark_rights-0-decision_number": "1/QĐ-SHTT",
        "trademark_rights-0-granted_on": "2021-03-15",
    }


def test_admin_add_refuses_a_wrong_check_digit_on_the_field_and_saves_nothing(admin_client):
    response = admin_client.post(
        reverse("admin:registry_cooperative_add"), with_trademark_right(cooperative_form(WRONG))
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors == {"tax_code": [check_digit_message(WRONG, "vi")]}
    assert check_digit_message(WRONG, "vi") in response.content.decode()
    assert not Cooperative.objects.exists()
    assert not TrademarkRight.objects.exists()

    response = admin_client.post(
        reverse("admin:registry_cooperative_add"), with_trademark_right(cooperative_form(GOOD))
    )
    assert response.status_code == 302
    assert Cooperative.objects.get().trademark_rights.count() == 1


def test_admin_shows_a_stored_wrong_code_and_refuses_to_save_it_until_corrected(admin_client):
    legacy = legacy_cooperative()
    url = reverse("admin:registry_cooperative_change", args=[legacy.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert page.context["adminform"].form.initial["tax_code"] == WRONG
    warnings = [str(m) for m in page.context["messages"]]
    assert len(warnings) == 1 and check_digit_message(WRONG, "vi") in warnings[0]

    refused = admin_client.post(url, cooperative_form(WRONG, name="HTX Đổi Tên"))
    assert refused.status_code == 200
    assert list(refused.context["adminform"].form.errors) == ["tax_code"]
    legacy.refresh_from_db()
    assert (legacy.tax_code, legacy.name) == (WRONG, "HTX Cũ")

    assert admin_client.post(url, cooperative_form(GOOD, name="HTX Đổi Tên")).status_code == 302
    legacy.refresh_from_db()
    assert (legacy.tax_code, legacy.name) == (GOOD, "HTX Đổi Tên")
    shown = [str(m) for m in admin_client.get(url).context["messages"]]
    assert not any(WRONG in m for m in shown), "no warning once corrected"


def test_admin_lists_a_stored_wrong_code(admin_client):
    legacy_cooperative()
    page = admin_client.get(reverse("admin:registry_cooperative_changelist"))
    assert page.status_code == 200 and WRONG in page.content.decode()


# --- API ----------------------------------------------------------------------------------------


@pytest.fixture
def writer():
    from django.contrib.auth.models import Permission

    user = UserFactory()
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["add_cooperative", "change_cooperative"])
    )
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(user)
    return api


@pytest.mark.parametrize("code", [WRONG, f"{WRONG}-001"])
def test_api_refuses_a_wrong_check_digit_with_400_naming_tax_code(writer, code):
    body = {"tax_code": code, "name": "HTX Mới", "commune": "04204"}
    response = writer.post(f"{API}/cooperatives/", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["tax_code"] == [check_digit_message(code)]
    assert not Cooperative.objects.exists()
    body["tax_code"] = GOOD if code == WRONG else f"{GOOD}-001"
    assert writer.post(f"{API}/cooperatives/", body, format="json").status_code == 201


def test_api_reads_a_stored_wrong_code_and_refuses_writes_until_corrected(writer):
    legacy = legacy_cooperative()
    detail = f"{API}/cooperatives/{WRONG}/"
    assert writer.get(detail).json()["tax_code"] == WRONG
    listed = writer.get(f"{API}/cooperatives/").json()["results"]
    assert [row["tax_code"] for row in listed] == [WRONG]

    response = writer.patch(detail, {"phone": "0212 3800001"}, format="json")
    assert response.status_code == 400
    assert response.json()["tax_code"] == [check_digit_message(WRONG)]
    legacy.refresh_from_db()
    assert legacy.phone == ""

    response = writer.patch(detail, {"tax_code": GOOD, "phone": "0212 3800001"}, format="json")
    assert response.status_code == 200, response.content
    legacy.refresh_from_db()
    assert (legacy.tax_code, legacy.phone) == (GOOD, "0212 3800001")


def test_api_finds_a_tax_code_however_it_is_spaced():
    from tests.factories import AreaCodeFactory

    branch = CooperativeFactory(tax_code=f"{GOOD}-001")
    AreaCodeFactory(code="VN-SLOR-0301", cooperative=branch)
    api = APIClient()
    assert api.get(f"{API}/cooperatives/{GOOD}001/").json()["tax_code"] == f"{GOOD}-001"
    spaced = f"{GOOD[:4]} {GOOD[4:7]} {GOOD[7:]} – 001"
    listed = api.get(f"{API}/area-codes/", {"cooperative": spaced}).json()["results"]
    assert [row["code"] for row in listed] == ["VN-SLOR-0301"]


# --- Spreadsheet imports ------------------------------------------------------------------------


def import_file(client, model_name, content: bytes):
    upload = io.BytesIO(content)
    upload.name = "rows.csv"
    return client.post(
        reverse(f"admin:registry_{model_name}_import"),
        {"resource": "0", "format": "0", "import_file": upload},
        follow=True,
    )


def problems(preview) -> list[dict]:
    return preview.context["job"].summary["problems"]


def test_import_row_with_a_wrong_check_digit_is_an_error_naming_the_column(admin_client):
    content = f"mã số thuế,tên,trạng thái,mã xã\n{GOOD},HTX Một,active,04204\n{WRONG},HTX Hai,active,04204\n"
    preview = import_file(admin_client, "cooperative", content.encode())
    assert preview.context["counts"] == {"new": 1, "update": 0, "skip": 0, "error": 1}
    assert problems(preview) == [
        {
            "row": 2,
            "field": "tax_code",
            "column": "mã số thuế",
            "value": WRONG,
            "message": check_digit_message(WRONG, "vi"),
        }
    ]
    assert not preview.context["confirmable"]
    assert not Cooperative.objects.exists(), "nothing is written"


def test_import_refuses_to_update_a_stored_wrong_code_until_corrected(admin_client):
    legacy_cooperative()
    content = f"tax code,name,status,commune code\n{WRONG},HTX Đổi Tên,active,04204\n"
    preview = import_file(admin_client, "cooperative", content.encode())
    assert [p["field"] for p in problems(preview)] == ["tax_code"]
    assert Cooperative.objects.get().name == "HTX Cũ"


def test_other_imports_still_name_a_cooperative_by_its_stored_wrong_code(admin_client):
    from tests.factories import CropFactory

    CropFactory(slug="longan")
    legacy = legacy_cooperative()
    content = (
        "code,crop,cooperative,area (ha),commune code,issue date\n"
        f"VN-SLOR-0300,longan,{WRONG},10,04204,2026-01-01\n"
    )
    preview = import_file(admin_client, "areacode", content.encode())
    assert not problems(preview)
    done = admin_client.post(
        reverse("admin:registry_areacode_process_import"), {"job": preview.context["job"].pk}
    )
    assert done.status_code == 302
    assert AreaCode.objects.get(code="VN-SLOR-0300").cooperative == legacy


# --- check_registry -----------------------------------------------------------------------------


def test_check_registry_lists_stored_codes_that_fail_and_exits_non_zero():
    CooperativeFactory()
    legacy_cooperative()
    Cooperative.objects.create(tax_code="5500000000", name="HTX Không", commune=commune())
    out = StringIO()
    with pytest.raises(
        CommandError, match=r"^2 cooperative tax code\(s\) that fail their check\.$"
    ):
        call_command("check_registry", stdout=out)
    assert out.getvalue().splitlines() == [
        "cooperative 5500000000 (HTX Không): Tax code 5500000000 has the serial 0000000 "
        "(digits 3 to 9), which is never issued.",
        f"cooperative {WRONG} (HTX Cũ): {check_digit_message(WRONG, 'en')}",
    ]


def test_check_registry_passes_when_every_code_passes():
    CooperativeFactory.create_batch(3)
    out = StringIO()
    call_command("check_registry", stdout=out)
    assert out.getvalue().endswith("; 3 cooperative tax code(s) pass their check.\n")


# --- The codes the project makes ----------------------------------------------------------------


def test_every_sample_tax_code_is_valid():
    call_command("load_sample_data", verbosity=0)
    codes = list(Cooperative.objects.values_list("tax_code", flat=True))
    assert len(codes) == 45
    assert all(mst.is_valid(code) for code in codes), [c for c in codes if not mst.is_valid(c)]
    out = StringIO()
    call_command("check_registry", stdout=out)
    assert "45 cooperative tax code(s) pass their check" in out.getvalue()


def test_sample_data_loaded_before_gets_its_tax_codes_corrected_not_duplicated():
    call_command("load_sample_data", verbosity=0)
    # as the sample data wrote them before: the serial, then index % 10 as the last digit
    for index in range(len(sample_data.COOPERATIVE_NAMES)):
        Cooperative.objects.filter(tax_code=sample_data.sample_tax_code(index)).update(
            tax_code=f"55{index + 1:07d}{index % 10}"
        )
    assert sum(not mst.is_valid(c) for c in Cooperative.objects.values_list("tax_code", flat=True))
    out = StringIO()
    call_command("load_sample_data", stdout=out)
    assert Cooperative.objects.count() == 45
    assert all(mst.is_valid(c) for c in Cooperative.objects.values_list("tax_code", flat=True))
    assert "corrected sample tax codes" in out.getvalue()
    corrected = Cooperative.objects.get(name=f"HTX {sample_data.COOPERATIVE_NAMES[0]}")
    assert corrected.history.latest().history_change_reason.startswith("Sample data")
    again = StringIO()
    call_command("load_sample_data", stdout=again)
    assert "nothing to do" in again.getvalue()


def test_import_samples_and_factories_make_valid_codes():
    assert mst.is_valid(imports.SAMPLES[Cooperative]["tax_code"])
    codes = [c.tax_code for c in CooperativeFactory.create_batch(20)]
    assert all(mst.is_valid(code) for code in codes)


@pytest.mark.django_db(transaction=True)  # the seed ends with VACUUM
def test_bench_seed_makes_valid_codes():
    if connection.vendor != "postgresql":
        pytest.skip("the bench seeds through PostgreSQL's COPY")
    from bench.seed import seed

    seed(600)
    codes = list(Cooperative.objects.values_list("tax_code", flat=True))
    assert len(codes) == 12
    assert all(mst.is_valid(code) for code in codes)

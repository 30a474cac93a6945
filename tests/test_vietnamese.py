"""Everything a user of the registry sees is Vietnamese when Vietnamese is asked for (the default):
every admin page the registry has and every error the API answers.

A page fails on (a) any visible text that is an English message of an active catalogue (the
project's, Django's, or a third-party app's) for which a Vietnamese translation exists but was
not used, and (b) any of a list of English phrases once seen in the Vietnamese admin.
"""

import ast
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils.translation import trans_real
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from registry import roles, third_party_messages
from registry.models import AreaCode, CodeStatus, Cooperative, Market
from registry.rules.tax_codes import tax_code
from tests.factories import set_status

pytestmark = pytest.mark.django_db

API = "/api/v1"

#: English once shown in the Vietnamese admin and API (issue 11), matched case-insensitively
KNOWN_ENGLISH = [
    "This importer will import",
    "File to import",
    "Confirm import",
    "Import finished",
    "Below is a preview",
    "Choose a date from the list below",
    "Changed by",
    "Change reason",
    "Show counts",
    "Hide counts",
    "Auth Token",
    "Select this object",
    "Skip to main content",
    "Toggle theme",
    "active →",
    "→ active",
    "→ suspended",
    "Unknown market",
    "Must be at most",
    "Must be zero",
    "whole number",
    "Cannot order by",
    "Authentication credentials",
    "Invalid token",
    "throttled",
    "Expected available",
    "JSON parse error",
    "Not found",
    "not allowed",
    "Unsupported media type",
    "Could not satisfy",
    "You do not have permission",
]
#: whole texts that are English, though no catalogue holds them as they are shown
KNOWN_ENGLISH_TEXTS = {"None", "True", "False"}

PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifrx]|%[sdifr]|\{[^{}]*\}")


# --- What a page shows -------------------------------------------------------------------------


class VisibleText(HTMLParser):
    """Text nodes (not scripts or styles) and the attributes a reader sees or hears; text marked
    as another language (``lang="en"``: the switch naming English in English) is meant so."""

    SHOWN_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._hidden = 0
        self._foreign: list[str] = []  # open elements whose lang is not Vietnamese

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._hidden += 1
        attributes = dict(attrs)
        if tag != "html" and not (attributes.get("lang") or "vi").startswith("vi"):
            self._foreign.append(tag)
            return
        for name, value in attrs:
            if value and name in self.SHOWN_ATTRIBUTES:
                self.texts.append(value)
        if tag == "input" and attributes.get("type") in ("submit", "button"):
            self.texts.append(attributes.get("value") or "")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self._hidden -= 1
        if self._foreign and self._foreign[-1] == tag:
            self._foreign.pop()

    def handle_data(self, data):
        if not self._hidden and not self._foreign:
            self.texts.append(data)


def visible_texts(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    texts = (" ".join(text.split()) for text in parser.texts)
    return [text for text in texts if text]


def json_texts(value) -> list[str]:
    if isinstance(value, dict):
        return [t for key, item in value.items() if key != "request_id" for t in json_texts(item)]
    if isinstance(value, list):
        return [t for item in value for t in json_texts(item)]
    return [value] if isinstance(value, str) else []


# --- What the catalogues would have said -------------------------------------------------------


def english_messages() -> dict[str, re.Pattern]:
    """Each English msgid of the active catalogues that Vietnamese translates differently, as a
    pattern matching the text it renders (placeholders match anything). Messages with no word of
    three letters outside placeholders ("%(count)s %(name)s", "ID") are too ambiguous to test."""
    catalogue = trans_real.translation("vi")._catalog
    patterns = {}
    for key, _translation in catalogue.items():
        msgid = key[0] if isinstance(key, tuple) else key
        if "\x04" in msgid:  # msgctxt
            msgid = msgid.split("\x04", 1)[1]
        if msgid in patterns or not re.search(r"[A-Za-z]{3,}", PLACEHOLDER.sub("", msgid)):
            continue
        if catalogue[key] in ("", msgid):
            continue
        parts = PLACEHOLDER.split(msgid)
        patterns[msgid] = re.compile(".+?".join(re.escape(part.strip()) for part in parts))
    return patterns


@pytest.fixture(scope="module")
def english():
    return english_messages()


def english_in(texts: list[str], english: dict[str, re.Pattern]) -> list[str]:
    found = []
    for text in texts:
        for candidate in {text, text.rstrip(":").strip()}:
            msgid = next((m for m, p in english.items() if p.fullmatch(candidate)), None)
            if msgid is not None:
                found.append(f"{text!r} is the English of {msgid!r}")
                break
        lowered = text.lower()
        found += [
            f"{text!r} holds {phrase!r}" for phrase in KNOWN_ENGLISH if phrase.lower() in lowered
        ]
        if text in KNOWN_ENGLISH_TEXTS:
            found.append(f"{text!r}")
    return found


def test_every_third_party_message_the_registry_lists_has_vietnamese():
    """The messages the third-party apps' own catalogues lack (scripts/third_party_messages.py)
    are all translated in the registry's catalogue."""
    catalogue = trans_real.translation("vi")._catalog
    tree = ast.parse(Path(third_party_messages.__file__).read_text(encoding="utf-8"))
    missing = []
    for call in (node for node in ast.walk(tree) if isinstance(node, ast.Call)):
        args = [arg.value for arg in call.args]
        if call.func.id == "ngettext_lazy":
            key = (args[0], 0)
        elif call.func.id == "pgettext_lazy":
            key = f"{args[0]}\x04{args[1]}"
        else:
            key = args[0]
        if key not in catalogue or not catalogue[key]:
            missing.append(args)
    assert len(missing) == 0, missing


# --- The registry ------------------------------------------------------------------------------


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("quantri", "quantri@example.vn", "mật-khẩu-dài-1")


@pytest.fixture
def office(superuser):
    """The admin in Vietnamese, as a provincial office's browser asks for it."""
    call_command("load_sample_data", verbosity=0)
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    client.force_login(superuser)
    return client


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def with_history(client) -> AreaCode:
    """A code with a status change and an edit, so that timelines and history deltas show."""
    code = AreaCode.objects.filter(market_statuses__status=CodeStatus.ACTIVE).first()
    market = code.market_statuses.filter(status=CodeStatus.ACTIVE).first().market
    set_status(code, CodeStatus.SUSPENDED, market, on=code.issued_on)
    cooperative = Cooperative.objects.first()
    page = client.get(admin_url(Cooperative, "change", cooperative.pk))
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update({"name": f"{cooperative.name} (đổi tên)", "_save": "1"})
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data.update({management.add_prefix(k): v for k, v in management.initial.items()})
        for index, inline_form in enumerate(formset.formset.forms):
            for name in inline_form.fields:
                value = inline_form[name].value()
                data[f"{formset.formset.prefix}-{index}-{name}"] = "" if value is None else value
    client.post(admin_url(Cooperative, "change", cooperative.pk), data)
    return code


def admin_pages(client) -> dict[str, object]:
    """Every admin page the registry has: the index, each model's list (with a filter), add,
    change and history pages, a historical version, the import pages, the status actions, the
    password change, the sign-in page."""
    code = with_history(client)
    pages = {"index": client.get("/admin/"), "password": client.get("/admin/password_change/")}
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        pages[f"{label} list"] = listed = client.get(admin_url(model, "changelist"))
        if model_admin.has_add_permission(listed.wsgi_request):
            pages[f"{label} add"] = client.get(admin_url(model, "add"))
        obj = code if model is AreaCode else model._default_manager.order_by("pk").first()
        if obj is None:
            continue
        pages[f"{label} change"] = client.get(admin_url(model, "change", obj.pk))
        pages[f"{label} history"] = client.get(admin_url(model, "history", obj.pk))
        if hasattr(model, "history"):
            version = obj.history.order_by("history_id").first()
            pages[f"{label} version"] = client.get(
                admin_url(model, "simple_history", obj.pk, version.history_id)
            )
        if hasattr(model_admin, "import_action"):
            pages[f"{label} import"] = client.get(admin_url(model, "import"))
    au = Market.objects.get(code="AU")
    pages["codes filtered"] = client.get(admin_url(AreaCode, "changelist"), {"market": "AU"})
    for action in ("make_active", "make_suspended", "make_revoked"):
        pages[action] = client.post(
            admin_url(AreaCode, "changelist"),
            {"action": action, "_selected_action": [code.pk], "markets": [au.pk]},
        )
    pages["status form errors"] = client.post(
        admin_url(AreaCode, "changelist"),
        {"action": "make_suspended", "_selected_action": [code.pk], "apply": "1"},
    )
    pages.update(import_pages(client))
    pages.update(token_pages(client))
    signed_out = Client(HTTP_ACCEPT_LANGUAGE="vi")
    pages["sign-in"] = signed_out.get("/admin/login/")
    pages["sign-in refused"] = signed_out.post(
        "/admin/login/", {"username": "quantri", "password": "sai"}
    )
    return pages


def import_pages(client) -> dict[str, object]:
    upload = io.BytesIO(
        "mã số thuế,tên,trạng thái,mã xã\n"
        f"{tax_code(9901)},HTX Nhãn Thử,đang hiệu lực,04204\n"
        "12-34,HTX Sai,không có,99999\n".encode()
    )
    upload.name = "hop-tac-xa.csv"
    url = admin_url(Cooperative, "import")
    errors = client.post(url, {"resource": "0", "format": "0", "import_file": upload}, follow=True)
    good = io.BytesIO(
        f"mã số thuế,tên,trạng thái,mã xã\n{tax_code(9901)},HTX Nhãn Thử,active,04204\n".encode()
    )
    good.name = "hop-tac-xa.csv"
    preview = client.post(url, {"resource": "0", "format": "0", "import_file": good}, follow=True)
    job = preview.context["job"]
    done = client.post(admin_url(Cooperative, "process_import"), {"job": job.pk}, follow=True)
    return {"import with errors": errors, "import preview": preview, "import done": done}


def token_pages(client) -> dict[str, object]:
    user = User.objects.get(username="quantri")
    created = client.post(
        reverse("admin:registry_apitoken_add"), {"user": user.pk, "_save": "1"}, follow=True
    )
    return {"token created": created}


def test_every_admin_page_is_vietnamese(office, english):
    problems = []
    for name, response in admin_pages(office).items():
        assert response.status_code in (200, 302), (name, response.status_code)
        if response.status_code == 200:
            texts = visible_texts(response.content.decode())
            found = english_in(texts, english)
            problems += [f"{name}: {problem}" for problem in found]
    assert not problems, "\n".join(problems)


def import_kind_and_status(client):
    """Preview a file, written with keys, that makes an export code active for Australia
    domestic and suspended there: (the code, the preview)."""
    code = AreaCode.objects.filter(
        kind="export", market_statuses__market__code="AU", market_statuses__status="active"
    ).first()
    upload = io.BytesIO(f"code,kind,status_AU\n{code.code},domestic,suspended\n".encode())
    upload.name = "ma-so.csv"
    preview = client.post(
        admin_url(AreaCode, "import"),
        {"resource": "0", "format": "0", "import_file": upload},
        follow=True,
    )
    return code, preview


def test_the_import_preview_names_columns_and_choices_in_the_readers_language(office):
    """A file written with keys ("kind", "export") previews as the reader reads: columns by
    their labels, values of choices by theirs, before and after."""
    _code, preview = import_kind_and_status(office)
    job_url = preview.redirect_chain[-1][0]
    [change] = preview.context["changes_page"]
    assert ["loại", "xuất khẩu", "nội địa"] in change["cells"]
    assert ["trạng thái AU", "đang hiệu lực", "tạm dừng"] in change["cells"]
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    english.force_login(User.objects.get(username="quantri"))
    [change] = english.get(job_url).context["changes_page"]
    assert ["kind", "export", "domestic"] in change["cells"]
    assert ["status AU", "active", "suspended"] in change["cells"]


def test_an_imports_change_reason_is_shown_in_the_readers_language(office):
    """Stored as written ("Spreadsheet import", what the API returns), shown translated in the
    admin's history list and status timeline."""
    code, preview = import_kind_and_status(office)
    confirmed = office.post(
        admin_url(AreaCode, "process_import"), {"job": preview.context["job"].pk}, follow=True
    )
    assert confirmed.status_code == 200
    change = code.status_changes.order_by("pk").last()
    assert change.reason == "Spreadsheet import"
    assert code.history.order_by("history_id").last().history_change_reason == change.reason
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    english.force_login(User.objects.get(username="quantri"))
    for view in ("history", "change"):
        shown = visible_texts(office.get(admin_url(AreaCode, view, code.pk)).content.decode())
        assert "Nhập từ bảng tính" in shown and "Spreadsheet import" not in shown, view
        shown = visible_texts(english.get(admin_url(AreaCode, view, code.pk)).content.decode())
        assert "Spreadsheet import" in shown, view


def test_refusals_are_vietnamese(office, english):
    """Django's own 403 pages (permission denied, a failed CSRF check) are English and bare;
    the registry's (403.html, 403_csrf.html) speak the reader's language."""
    User.objects.create_user("khach", password="mật-khẩu-dài-3", is_staff=True)
    guest = Client(HTTP_ACCEPT_LANGUAGE="vi")
    guest.force_login(User.objects.get(username="khach"))
    denied = guest.get(admin_url(AreaCode, "import"))
    forged = Client(HTTP_ACCEPT_LANGUAGE="vi", enforce_csrf_checks=True).post(
        "/i18n/setlang/", {"language": "en"}
    )
    for response, heading in ((denied, "Không được phép"), (forged, "Biểu mẫu bị từ chối")):
        assert response.status_code == 403
        texts = visible_texts(response.content.decode())
        assert heading in texts and "Cơ sở dữ liệu Mã số vùng trồng" in texts  # the header
        assert not english_in(texts, english)
        assert not [t for t in texts if "Forbidden" in t or "CSRF verification" in t]


def test_the_admins_javascript_speaks_vietnamese(office):
    """The calendar and the two-box selector (admin/jsi18n/): the messages Django's own
    Vietnamese catalogue lacks come from registry/locale/vi/LC_MESSAGES/djangojs.po."""
    script = office.get("/admin/jsi18n/")
    assert script.status_code == 200
    catalog = json.loads(re.search(r"const newcatalog = (\{.*?\});", script.text, re.S)[1])
    assert catalog["Sunday"] == "Chủ nhật"
    assert catalog["abbrev. day Monday\x04Mon"] == "T2"
    assert catalog["Choose all %s"] == "Chọn tất cả %s"
    assert catalog["Today"] != "Today" and catalog["Now"] != "Now"  # Django's own
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    english.force_login(User.objects.get(username="quantri"))
    assert "Sunday" not in english.get("/admin/jsi18n/").text


def test_the_status_timeline_names_statuses_in_the_readers_language(office):
    code = with_history(office)
    page = office.get(admin_url(AreaCode, "change", code.pk)).content.decode()
    market = code.status_changes.order_by("pk").last().market.code
    assert f"{market}: đang hiệu lực → tạm dừng" in visible_texts(page)
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    english.force_login(User.objects.get(username="quantri"))
    page = english.get(admin_url(AreaCode, "change", code.pk)).content.decode()
    assert f"{market}: active → suspended" in visible_texts(page)


def test_market_and_crop_names_follow_the_language(office):
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    english.force_login(User.objects.get(username="quantri"))
    shown = visible_texts(english.get(admin_url(AreaCode, "changelist")).content.decode())
    assert "AU – Australia" in shown  # the market filter
    shown = visible_texts(office.get(admin_url(AreaCode, "changelist")).content.decode())
    assert "AU – Úc" in shown and "AU – Australia" not in shown
    codes = visible_texts(
        english.get(admin_url(AreaCode, "changelist"), {"market": "AU"}).content.decode()
    )
    assert "Longan (Nhãn)" in codes
    market = APIClient(HTTP_ACCEPT_LANGUAGE="en").get(f"{API}/markets/AU/").json()
    assert (market["name_vi"], market["name_en"]) == ("Úc", "Australia")


def test_the_check_finds_english(office, english):
    """The checks have teeth: the same pages asked for in English are full of findings."""
    english_client = Client(HTTP_ACCEPT_LANGUAGE="en")
    english_client.force_login(User.objects.get(username="quantri"))
    page = english_client.get(admin_url(Cooperative, "changelist")).content.decode()
    found = "\n".join(english_in(visible_texts(page), english))
    assert "'Show counts' is the English of 'Show counts'" in found
    assert "is the English of 'Select this object for an action - {}'" in found
    history = english_client.get(admin_url(Market, "history", Market.objects.first().pk))
    found = "\n".join(english_in(visible_texts(history.content.decode()), english))
    assert "is the English of 'Choose a date from the list below" in found


# --- The API's errors --------------------------------------------------------------------------


@pytest.fixture
def api_world(superuser):
    call_command("load_sample_data", verbosity=0)
    staff = User.objects.create_user("nhanvien", password="mật-khẩu-dài-2")
    staff.groups.add(Group.objects.get(name=roles.STAFF))
    return {
        "admin": Token.objects.create(user=superuser).key,
        "staff": Token.objects.create(user=staff).key,
    }


def api_errors(tokens) -> dict[str, object]:
    anonymous = APIClient(HTTP_ACCEPT_LANGUAGE="vi")
    admin_api = APIClient(HTTP_ACCEPT_LANGUAGE="vi", HTTP_AUTHORIZATION=f"Token {tokens['admin']}")
    staff_api = APIClient(HTTP_ACCEPT_LANGUAGE="vi", HTTP_AUTHORIZATION=f"Token {tokens['staff']}")
    codes = f"{API}/area-codes/"
    check = f"{API}/area-codes/check/"
    answers = {
        f"GET {codes}?{query}": anonymous.get(f"{codes}?{query}")
        for query in (
            "market=ZZ",
            "limit=5000",
            "limit=-1",
            "limit=0",
            "offset=x",
            "ordering=nope",
            "valid_on=yesterday",
            "valid_on=1900-01-01",
            "updated_since=bad",
            "markets=AU",
            "status=zz",
            "kind=zz",
            "certificate_validity=zz",
            "crop=jackfruit",
            "cooperative=0000000000",
        )
    }
    answers |= {
        "cooperatives has_trademark": anonymous.get(f"{API}/cooperatives/?has_trademark=maybe"),
        "certificates expires_before": anonymous.get(
            f"{API}/vietgap-certificates/?expires_before=x&validity=bad"
        ),
        "communes province": anonymous.get(f"{API}/communes/?province=99"),
        "404 detail": anonymous.get(f"{codes}VN-NOPE-0000/"),
        "404 path": anonymous.get(f"{API}/nothing-here/"),
        "406 accept": anonymous.get(codes, HTTP_ACCEPT="application/xml"),
        "406 csv detail": anonymous.get(f"{codes}VN-SLOR-0001/?format=csv"),
        "401 write": anonymous.post(codes, {}, format="json"),
        "401 bad token": APIClient(HTTP_AUTHORIZATION="Token abc").get(codes),
        "401 empty token": APIClient(HTTP_AUTHORIZATION="Token").get(codes),
        "401 spaced token": APIClient(HTTP_AUTHORIZATION="Token a b").get(codes),
        "403 no permission": staff_api.post(codes, {}, format="json"),
        "405 delete": admin_api.delete(f"{codes}VN-SLOR-0001/"),
        "400 write": admin_api.post(
            codes, {"code": "x", "kind": "zz", "area_ha": "many"}, format="json"
        ),
        "400 letters": admin_api.patch(
            f"{codes}VN-SLOR-0001/", {"code": "VN-SLOR-9999"}, format="json"
        ),
        "415": anonymous.post(check, "a=b", content_type="text/plain"),
        "400 json": anonymous.post(check, "{bad", content_type="application/json"),
        "400 json nan": anonymous.post(check, '{"a": NaN}', content_type="application/json"),
        "400 json deep": anonymous.post(check, "[" * 100_000, content_type="application/json"),
        "400 charset": anonymous.post(
            check, "{}", content_type="application/json; charset=bz2_codec"
        ),
        "400 check empty": anonymous.post(check, {}, format="json"),
        "400 check values": anonymous.post(
            check, {"market": "ZZ", "date": "x", "codes": "a"}, format="json"
        ),
        "400 check many": anonymous.post(
            check, {"market": "AU", "codes": ["x"] * 1001}, format="json"
        ),
    }
    return answers


def test_every_api_error_is_vietnamese(api_world, english, monkeypatch):
    from registry.api.throttling import AnonymousRateLimit

    answers = api_errors(api_world)
    monkeypatch.setattr(AnonymousRateLimit, "THROTTLE_RATES", {"anon": "1/minute"})
    # one fixed window for the whole test: a minute boundary between requests opens a new one
    monkeypatch.setattr(AnonymousRateLimit, "timer", staticmethod(lambda: 1_800_000_030.0))
    client = APIClient(HTTP_ACCEPT_LANGUAGE="vi", REMOTE_ADDR="203.0.113.9")
    client.get(f"{API}/markets/")
    answers["429"] = client.get(f"{API}/markets/")
    problems = []
    for name, response in answers.items():
        assert 400 <= response.status_code < 500, (name, response.status_code)
        assert response["Content-Type"] == "application/json", name
        texts = json_texts(json.loads(response.content))
        assert texts, name
        problems += [f"{name}: {problem}" for problem in english_in(texts, english)]
    assert answers["429"].status_code == 429
    assert not problems, "\n".join(problems)


def test_api_errors_stay_english_when_asked(api_world):
    english = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    assert english.get(f"{API}/area-codes/?market=ZZ").json()["market"] == ["Unknown market: ZZ."]
    assert english.get(f"{API}/area-codes/?limit=5000").json()["limit"] == ["Must be at most 1000."]
    assert english.post(f"{API}/area-codes/", {}, format="json").json()["detail"] == (
        "Authentication credentials were not provided."
    )


# --- Downloads and imports ---------------------------------------------------------------------


def test_vietnamese_downloads_write_labels_and_import_back_unchanged(office):
    """Status, kind and validity values are labels in the download's language; the file
    imports back with every row unchanged."""
    cooperatives = office.get(f"{API}/cooperatives/?format=csv")
    text = b"".join(cooperatives.streaming_content).decode("utf-8-sig")
    assert ",đang hiệu lực," in text and ",active," not in text
    codes = office.get(f"{API}/area-codes/?format=csv")
    text = b"".join(codes.streaming_content).decode("utf-8-sig")
    assert ",xuất khẩu," in text and ",nội địa," in text and ",export," not in text
    assert "đang hiệu lực" in text and ",còn hiệu lực," in text
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    english_codes = english.get(f"{API}/area-codes/?format=csv")
    text = b"".join(english_codes.streaming_content).decode()
    assert ",export," in text and ",xuất khẩu," not in text
    crop = AreaCode.objects.select_related("crop").first().crop
    assert crop.name_en != crop.name_vi
    assert f",{crop.name_en}," in text and f",{crop.name_vi}," not in text, "crops in English"
    for model_name, download, reader in (
        ("cooperative", cooperatives, office),
        ("areacode", codes, office),
        ("areacode", english_codes, english),
    ):
        upload = io.BytesIO(
            b"".join(reader.get(download.wsgi_request.get_full_path()).streaming_content)
        )
        upload.name = "tai-ve.csv"
        preview = office.post(
            reverse(f"admin:registry_{model_name}_import"),
            {"resource": "0", "format": "0", "import_file": upload},
            follow=True,
        )
        counts = preview.context["counts"]
        assert counts["error"] == 0 and counts["skip"] > 0, (model_name, counts)
        assert counts["new"] == counts["update"] == 0, (model_name, counts)
        page = preview.content.decode()
        assert not preview.context["confirmable"], "nothing to confirm"
        assert 'id="import-nothing"' in page and 'id="import-confirm"' not in page


def test_plural_model_names_read_well_in_the_admins_sentences():
    """Django's Vietnamese says "Xóa các %(verbose_name_plural)s đã chọn": a plural name that
    starts with "các" itself would read "các các" in every list's delete action."""
    from django.apps import apps
    from django.utils import translation
    from django.utils.translation import gettext

    doubled = []
    with translation.override("vi"):
        sentence = gettext("Delete selected %(verbose_name_plural)s")
        assert sentence.startswith("Xóa các "), sentence  # Django's own wording
        for model in apps.get_app_config("registry").get_models():
            plural = str(model._meta.verbose_name_plural)
            if plural.lower().startswith("các "):
                doubled.append(f"{model.__name__}: {plural}")
    assert not doubled, doubled

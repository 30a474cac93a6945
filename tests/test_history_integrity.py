"""The history cannot be rewritten (database triggers, ``registry.append_only``) and
``manage.py check_registry`` finds every current status that disagrees with its history."""

from datetime import date
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from simple_history.models import HistoricalChanges

from registry import append_only
from registry.models import (
    AreaCodeMarket,
    AreaCodeStatusChange,
    CapacityClearance,
    ChangeEvent,
    CodeStatus,
    Grower,
    Inspection,
    InspectionAttachment,
    InspectionSample,
    PackingHouseSource,
    PackingHouseStatusChange,
    Season,
    SeasonMarket,
    Subscription,
)
from tests.factories import (
    AreaCodeFactory,
    CertificateFactory,
    MarketFactory,
    PackingHouseFactory,
    TrademarkRightFactory,
    UserFactory,
    set_status,
)

HISTORY_MODELS = append_only.history_models()


def history_table_ids(model):
    return model._meta.db_table


@pytest.fixture
def history(db):
    """At least one row in every history table."""
    au, us = MarketFactory(code="AU"), MarketFactory(code="US")
    certificate = CertificateFactory()
    TrademarkRightFactory(cooperative=certificate.cooperative)
    code = AreaCodeFactory(
        certificate=certificate, cooperative=certificate.cooperative, crop=certificate.crop
    )
    house = PackingHouseFactory()
    set_status(code, CodeStatus.ACTIVE, au, us, on=date(2024, 2, 1))
    set_status(code, CodeStatus.SUSPENDED, us, on=date(2024, 3, 1))
    set_status(house, CodeStatus.ACTIVE, au, on=date(2024, 2, 1))
    inspection = Inspection.objects.create(
        area_code=code,
        inspected_on=date(2024, 2, 15),
        inspecting_body="Chi cục",
        kind="periodic",
        result="compliant",
    )
    inspection.markets.set([au])
    InspectionSample.objects.create(inspection=inspection, substance="Carbendazim")
    InspectionAttachment.objects.create(
        inspection=inspection, file=SimpleUploadedFile("report.pdf", b"%PDF-1.4")
    )
    season = Season.objects.create(
        area_code=code,
        crop_year=2024,
        expected_tonnes=100,
        harvest_start=date(2024, 7, 1),
        harvest_end=date(2024, 8, 1),
    )
    SeasonMarket.objects.create(season=season, market=au, tonnes=300)
    CapacityClearance.objects.create(
        season=season, note="x", area_ha=1, expected_tonnes=100, declared_tonnes=300
    )
    PackingHouseSource.objects.create(
        packing_house=house, area_code=code, market=au, valid_from=date(2024, 2, 1)
    )
    Grower.objects.create(area_code=code, name="Lò Văn A", plot_area_ha=1)
    Subscription.objects.create(owner=UserFactory(), name="watch", email_digest=True)
    for model in HISTORY_MODELS:
        assert model.objects.exists(), model._meta.db_table
    return {"au": au, "us": us, "code": code, "house": house}


def refused():
    """The statement fails with the append-only message; the test transaction lives on."""
    return pytest.raises(IntegrityError, match="append-only")


def test_every_history_table_is_covered():
    tables = append_only.history_tables()
    assert {"registry_areacodestatuschange", "registry_packinghousestatuschange"} <= set(tables)
    from django.apps import apps

    audit = {
        model._meta.db_table
        for model in apps.get_app_config("registry").get_models()
        if issubclass(model, HistoricalChanges)
    }
    assert len(audit) >= 8  # crop, market, body, cooperative, trademark, certificate, codes
    assert audit <= set(tables)
    assert "registry_changeevent" in tables  # the change feed
    assert len(tables) == len(audit) + 3


def _installed_triggers() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT event_object_table FROM information_schema.triggers "
                "WHERE trigger_name LIKE %s",
                ["%_append_only"],
            )
        else:
            cursor.execute(
                "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                ["%_append_only_%"],
            )
        return {row[0] for row in cursor.fetchall()}


def test_triggers_are_installed_on_every_history_table(db):
    assert _installed_triggers() == set(append_only.history_tables())


def _changed_field(model) -> str:
    if model is ChangeEvent:
        return "subject_code"
    if not issubclass(model, HistoricalChanges):
        return "reason"
    fields = {field.name for field in model._meta.fields}
    # The history of a many-to-many relation (an inspection's markets) has no reason column.
    return "history_change_reason" if "history_change_reason" in fields else "market"


def _rewritten(model, field: str):
    return F(field) if field == "market" else "rewritten"


@pytest.mark.parametrize("model", HISTORY_MODELS, ids=history_table_ids)
def test_queryset_update_is_refused(history, model):
    before = list(model.objects.values_list("pk", _changed_field(model)).order_by("pk"))
    field = _changed_field(model)
    with refused(), transaction.atomic():
        model.objects.update(**{field: _rewritten(model, field)})
    assert list(model.objects.values_list("pk", _changed_field(model)).order_by("pk")) == before


@pytest.mark.parametrize("model", HISTORY_MODELS, ids=history_table_ids)
def test_queryset_delete_is_refused(history, model):
    count = model.objects.count()
    with refused(), transaction.atomic():
        model.objects.all().delete()
    assert model.objects.count() == count


@pytest.mark.parametrize("model", HISTORY_MODELS, ids=history_table_ids)
def test_raw_sql_update_and_delete_are_refused(history, model):
    table, pk = model._meta.db_table, model._meta.pk.column
    count = model.objects.count()
    with refused(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {pk} = {pk}")
    with refused(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {pk} = (SELECT MIN({pk}) FROM {table})")
    assert model.objects.count() == count


def test_a_statement_touching_no_history_row_still_runs(history):
    assert AreaCodeStatusChange.objects.filter(reason="no such reason").update(reason="x") == 0
    assert AreaCodeStatusChange.objects.filter(reason="no such reason").delete()[0] == 0


def test_inserts_and_status_changes_still_work(history):
    code, us = history["code"], history["us"]
    changes = AreaCodeStatusChange.objects.count()
    audit = code.history.count()
    set_status(code, CodeStatus.ACTIVE, us, on=date(2024, 4, 1))
    code.area_ha = 20
    code.save()
    assert AreaCodeStatusChange.objects.count() == changes + 1
    assert code.history.count() == audit + 1
    assert code.market_statuses.get(market=us).status == CodeStatus.ACTIVE
    PackingHouseStatusChange.objects.create(
        subject=history["house"],
        market=us,
        to_status=CodeStatus.ACTIVE,
        effective_on=date(2024, 2, 1),
        reason="inserted directly",
        source="registration",
    )


def test_truncate_stays_allowed_on_postgresql(history):
    """Django's flush truncates every table after each ``transaction=True`` test."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    from registry.models import Crop

    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign-key checks
        cursor.execute("TRUNCATE registry_historicalcrop")
    assert not Crop.history.exists()


# --- check_registry --------------------------------------------------------------------------


def check_registry() -> str:
    out = StringIO()
    call_command("check_registry", stdout=out)
    return out.getvalue()


def check_registry_fails() -> list[str]:
    out = StringIO()
    with pytest.raises(CommandError, match="mismatch"):
        call_command("check_registry", stdout=out)
    return out.getvalue().splitlines()


def test_check_registry_passes_on_the_sample_data(db):
    call_command("load_sample_data", stdout=StringIO())
    output = check_registry()
    assert output.startswith("OK: ")
    assert len(output.splitlines()) == 1
    assert f"{AreaCodeMarket.objects.count()} area code market status(es)" in output


def test_check_registry_passes_on_clean_data(history):
    assert check_registry() == (
        "OK: 2 area code market status(es) and 1 packing house market status(es) "
        "match their history; 1 cooperative tax code(s) pass their check.\n"
    )


def _sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_check_registry_reports_a_different_status(history):
    _sql(
        "UPDATE registry_areacodemarket SET status = %s WHERE subject_id = %s AND market_id = %s",
        [CodeStatus.REVOKED, history["code"].pk, history["us"].pk],
    )
    code = history["code"].code
    assert check_registry_fails() == [
        f"area code {code}, market US: current status revoked since 2024-03-01, "
        f"newest history entry suspended on 2024-03-01"
    ]


def test_check_registry_reports_a_different_since(history):
    _sql("UPDATE registry_packinghousemarket SET since = %s", [date(2024, 1, 15)])
    house = history["house"].code
    assert check_registry_fails() == [
        f"packing house {house}, market AU: current status active since 2024-01-15, "
        f"newest history entry active on 2024-02-01"
    ]


def test_check_registry_compares_with_the_newest_entry_by_date_then_id(history):
    # The older US entry (active on 2024-02-01) is what an "oldest" or "by id only" rule finds.
    _sql(
        "UPDATE registry_areacodemarket SET status = %s, since = %s "
        "WHERE subject_id = %s AND market_id = %s",
        [CodeStatus.ACTIVE, date(2024, 2, 1), history["code"].pk, history["us"].pk],
    )
    assert len(check_registry_fails()) == 1


def test_check_registry_reports_history_without_a_current_status(history):
    _sql("DELETE FROM registry_areacodemarket WHERE market_id = %s", [history["au"].pk])
    code = history["code"].code
    assert check_registry_fails() == [
        f"area code {code}, market AU: history ends with active on 2024-02-01 but no current status"
    ]


def test_check_registry_reports_a_current_status_without_history(history):
    cn = MarketFactory(code="CN")
    _sql(
        "INSERT INTO registry_packinghousemarket "
        "(subject_id, market_id, status, since, reason, updated_at) "
        "VALUES (%s, %s, %s, %s, '', %s)",
        [history["house"].pk, cn.pk, CodeStatus.ACTIVE, date(2024, 5, 1), date(2024, 5, 1)],
    )
    house = history["house"].code
    assert check_registry_fails() == [
        f"packing house {house}, market CN: current status active since 2024-05-01 "
        f"but no history entry"
    ]


def test_check_registry_exits_non_zero_from_the_command_line(history):
    _sql("DELETE FROM registry_packinghousemarket")
    with pytest.raises(SystemExit) as exit_info:
        from django.core.management import ManagementUtility

        ManagementUtility(["manage.py", "check_registry"]).execute()
    assert exit_info.value.code != 0


def test_check_registry_makes_the_same_few_queries_for_more_codes(
    history, django_assert_num_queries
):
    with django_assert_num_queries(5):  # 2 per kind of code, 1 for the tax codes
        check_registry()
    for _ in range(10):
        set_status(AreaCodeFactory(), CodeStatus.ACTIVE, history["au"], on=date(2024, 2, 1))
    with django_assert_num_queries(5):
        check_registry()


def test_check_registry_orders_same_day_entries_by_id(history):
    code, au = history["code"], history["au"]
    set_status(code, CodeStatus.SUSPENDED, au, on=date(2024, 2, 1))  # same day as "active"
    assert code.market_statuses.get(market=au).status == CodeStatus.SUSPENDED
    assert check_registry().startswith("OK: ")

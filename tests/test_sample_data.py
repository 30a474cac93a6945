import pytest
from django.core.management import call_command

from registry.models import (
    AreaCode,
    AreaCodeStatusChange,
    CodeStatus,
    Cooperative,
    PackingHouse,
    VietGAPCertificate,
)

pytestmark = pytest.mark.django_db


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Cooperative, VietGAPCertificate, AreaCode, PackingHouse, AreaCodeStatusChange)
    } | {
        "history": Cooperative.history.count() + AreaCode.history.count(),
    }


def test_sample_data_loads_twice_without_duplicates(settings):
    settings.DEBUG = True
    call_command("load_sample_data", verbosity=0)
    first = counts()
    call_command("load_sample_data", verbosity=0)
    assert counts() == first


def test_sample_data_is_shaped_on_song_ma():
    call_command("load_sample_data", verbosity=0)
    assert Cooperative.objects.count() == 45
    assert set(Cooperative.objects.values_list("commune__province__name", flat=True)) == {"Sơn La"}
    statuses = set(AreaCode.objects.values_list("market_statuses__status", flat=True))
    assert {CodeStatus.ACTIVE, CodeStatus.SUSPENDED, CodeStatus.REVOKED} <= statuses
    markets = set(AreaCode.objects.values_list("market_statuses__market__code", flat=True))
    assert {"AU", "US", "CN", "VN"} <= markets
    assert AreaCode.objects.filter(kind="domestic").exists()
    from registry.rules import dates

    validities = {dates.certificate_validity(c) for c in VietGAPCertificate.objects.all()}
    assert {"valid", "expiring", "expired", "revoked"} <= validities
    assert all("hư cấu" in c.notes for c in AreaCode.objects.all())


def test_demo_users_only_with_debug(settings, django_user_model):
    settings.DEBUG = False
    call_command("load_sample_data", verbosity=0)
    assert not django_user_model.objects.filter(username__startswith="demo-").exists()
    settings.DEBUG = True
    call_command("load_sample_data", verbosity=0)
    assert django_user_model.objects.filter(username__startswith="demo-").count() == 4
    from registry.models import Subscription

    subscriber = django_user_model.objects.get(username="demo-subscriber")
    assert not subscriber.is_staff, "an exporter: the subscriptions page, not the admin"
    [watch] = Subscription.objects.filter(owner=subscriber)
    assert (watch.market_code, watch.province_code, watch.crop_slug) == ("AU", "14", "longan")


def test_sample_seasons_one_over_capacity_and_sourced_yields():
    from registry.models import Crop, Season, SeasonMarket
    from registry.rules import capacity

    call_command("load_sample_data", verbosity=0)
    seasons = Season.objects.all()
    assert seasons.count() == 8
    assert all("hư cấu" in s.notes for s in seasons), "marked fictitious"
    per_code = set(seasons.values_list("area_code__code", "crop_year"))
    assert len({code for code, _year in per_code}) == 4
    exceeded = Season.objects.filter(capacity.state_q("exceeded"))
    assert [str(s).split(" · ")[0] for s in exceeded] == ["VN-SLOR-0003"]
    assert not Season.objects.filter(capacity.state_q("cleared")).exists()
    longan = Crop.objects.get(slug="longan")
    assert longan.max_yield_tonnes_per_ha == 20 and "Sông Mã" in longan.max_yield_source
    assert all(
        c.max_yield_source for c in Crop.objects.filter(max_yield_tonnes_per_ha__isnull=False)
    )
    # Loading again keeps an administrator's figure and adds nothing.
    Crop.objects.filter(pk=longan.pk).update(max_yield_tonnes_per_ha=25)
    declared = SeasonMarket.objects.count()
    call_command("load_sample_data", verbosity=0)
    assert Crop.objects.get(slug="longan").max_yield_tonnes_per_ha == 25
    assert (Season.objects.count(), SeasonMarket.objects.count()) == (8, declared)


def test_sample_boundaries_surround_the_codes_and_exactly_two_overlap():
    from registry.models import BoundaryOverlap
    from registry.rules import boundaries

    call_command("load_sample_data", verbosity=0)
    export = AreaCode.objects.filter(kind="export")
    assert not export.filter(boundary__isnull=True).exists()
    [overlap] = BoundaryOverlap.objects.select_related("first", "second")
    assert {overlap.first.code, overlap.second.code} == {"VN-SLOR-0001", "VN-SLOR-0002"}
    flagged = export.filter(boundaries.area_mismatch_q(True))
    assert 0 < flagged.count() < export.count() / 5
    for code in export:  # each label point inside its own boundary's box
        assert code.boundary_min_lon < code.longitude < code.boundary_max_lon
    assert PackingHouse.objects.filter(latitude__isnull=False).count() == 4

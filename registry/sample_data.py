"""A FICTITIOUS sample dataset shaped on the Sông Mã (Sơn La) story.

Every cooperative, person, tax code, certificate number and growing-area code below is made up
for demonstration and testing. Places (provinces, communes) are real, from vietnam-provinces.
Tax codes are made up but carry the check digit python-stdnum computes (``sample_tax_code``),
so they pass the registry's check as a real code would.

Loading is idempotent: records are looked up by natural key and only created when missing, so
running it twice changes nothing (no new rows, no new history).
"""

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import transaction

from registry import inspection_feed, roles
from registry.models import (
    AreaCode,
    CertificationBody,
    ChangeSource,
    CodeKind,
    CodeStatus,
    Commune,
    Cooperative,
    CooperativeStatus,
    Crop,
    Grower,
    Inspection,
    InspectionAttachment,
    InspectionKind,
    InspectionResult,
    InspectionSample,
    Market,
    PackingHouse,
    PackingHouseSource,
    Season,
    SeasonMarket,
    SeasonStandard,
    Subscription,
    TrademarkRight,
    VietGAPCertificate,
)
from registry.rules import dates, status_changes
from registry.rules.tax_codes import tax_code

FICTITIOUS = "Dữ liệu mẫu hư cấu / fictitious sample data"
REFORM_DATE = date(2025, 7, 1)

CROPS = [
    ("longan", "Nhãn", "Longan", "Dimocarpus longan"),
    ("mango", "Xoài", "Mango", "Mangifera indica"),
    ("plum", "Mận", "Plum", "Prunus salicina"),
    ("pomelo", "Bưởi", "Pomelo", "Citrus maxima"),
    ("orange", "Cam", "Orange", "Citrus sinensis"),
    ("pineapple", "Dứa Queen", "Queen pineapple", "Ananas comosus"),
    ("banana", "Chuối", "Banana", "Musa acuminata"),
    ("passion-fruit", "Chanh leo", "Passion fruit", "Passiflora edulis"),
    ("dragon-fruit", "Thanh long", "Dragon fruit", "Selenicereus undatus"),
    ("macadamia", "Mắc ca", "Macadamia", "Macadamia integrifolia"),
    ("lychee", "Vải", "Lychee", "Litchi chinensis"),
    ("durian", "Sầu riêng", "Durian", "Durio zibethinus"),
]

#: Maximum plausible yields (tonnes/ha) for the capacity check: INDICATIVE, about twice the
#: averages the sources report (a well-kept orchard in a good year), not official figures.
#: Crops without a source here have none (no capacity check) until an administrator sets one.
MAX_YIELDS = {
    "longan": (
        "20",
        "Indicative (≈2× the average). Sông Mã 2023: 6,650 ha bearing, over 70,000 t "
        "(≈10.5 t/ha), Dân Việt, 14 Aug 2023; improved varieties up to 12 t/ha, Sơn La "
        "provincial portal (sonla.gov.vn), June 2019.",
    ),
    "mango": (
        "20",
        "Indicative, not sourced as a maximum. Sơn La June 2019: 12,591 ha, ≈35,463 t "
        "(much of the area not yet bearing), Sơn La provincial portal (sonla.gov.vn).",
    ),
    "plum": (
        "20",
        "Indicative (≈2–3× the average). Sơn La June 2019: 8,760 ha, ≈64,564 t (≈7.4 t/ha), "
        "Sơn La provincial portal (sonla.gov.vn).",
    ),
    "lychee": (
        "15",
        "Indicative (≈2× the average). Bắc Giang 2021: 28,100 ha, ≈180,000 t (≈6.4 t/ha), "
        "VietNamNet, June 2021.",
    ),
    "durian": (
        "30",
        "Indicative (2× the average). An average of about 15 t/ha reported in 2024, "
        "Việt Nam News (VNS), 3 July 2024.",
    ),
}

ORCHARD = r"VN-[A-Z]{2}OR-\d{4}"
PACKING = r"VN-[A-Z]{2}PH-\d{4}"
MARKETS = [
    (
        "AU",
        "Úc",
        "Australia",
        "Department of Agriculture, Fisheries and Forestry (DAFF)",
        "Longan: import permit and irradiation of at least 400 Gy; orchard, packing-house and "
        "treatment-facility codes on every carton.",
    ),
    (
        "US",
        "Hoa Kỳ",
        "United States",
        "USDA APHIS",
        "Longan: irradiation of 400 Gy; not to be distributed in Florida or Hawaii.",
    ),
    (
        "CN",
        "Trung Quốc",
        "China",
        "General Administration of Customs (GACC)",
        "Orchard and packing-house codes both registered with GACC.",
    ),
    ("NZ", "New Zealand", "New Zealand", "Ministry for Primary Industries (MPI)", ""),
    ("JP", "Nhật Bản", "Japan", "Ministry of Agriculture, Forestry and Fisheries (MAFF)", ""),
    ("KR", "Hàn Quốc", "South Korea", "Animal and Plant Quarantine Agency (APQA)", ""),
    ("EU", "Liên minh châu Âu", "European Union", "European Commission (DG SANTE)", ""),
]
DOMESTIC_MARKET = ("VN", "Nội địa", "Domestic", "Cục Trồng trọt và Bảo vệ thực vật", "")
DOMESTIC_PATTERN = r"VN-[A-Z0-9]+-[A-Z0-9]+-[A-Z0-9]+-\d{2}-\d{2}"

# Sông Mã's communes after the 2025 reform, with the pre-reform communes they absorbed.
COMMUNES = {
    "04204": ["Chiềng Khoong"],
    "04183": ["Mường Lầm"],
    "04210": ["Huổi Một"],
    "04222": ["Chiềng Khương", "Mường Sai"],
    "04168": ["Sông Mã", "Nà Nghịu"],
}
COOPERATIVE_NAMES = [
    "Nhãn Chiềng Khoong",
    "Cây ăn quả Bản Cát",
    "Nông nghiệp Tiến Thành",
    "Nhãn Sông Mã Xanh",
    "Xoài Mường Lầm",
    "Nông sản Hợp Nhất",
    "Cây ăn quả Huổi Một",
    "Nhãn Bản Hin",
    "Nông nghiệp Đoàn Kết",
    "Xoài Nà Nghịu",
    "Nhãn Chiềng Khương",
    "Nông nghiệp Phú An",
    "Cây ăn quả Mường Sai",
    "Nông sản sạch Sông Mã",
    "Nhãn Bản Lầm",
    "Xoài Tây Bắc",
    "Nông nghiệp Thành Công",
    "Cây có múi Huổi Một",
    "Nhãn Bản Púng",
    "Dứa Mường Lầm",
    "Nông nghiệp Hòa Bình",
    "Nhãn Hướng Dương",
    "Nông sản Bình Minh",
    "Cây ăn quả Nậm Ty",
    "Nhãn Bản Phống",
    "Nông nghiệp An Khang",
    "Xoài Bản Mé",
    "Nhãn Đồng Tâm",
    "Nông nghiệp Quyết Tiến",
    "Cây ăn quả Bản Bon",
    "Nhãn Nà Nghịu",
    "Nông sản Sơn Thủy",
    "Xoài Chiềng Cang",
    "Nhãn Phương Nam",
    "Nông nghiệp Thịnh Vượng",
    "Cây ăn quả Bó Sinh",
    "Nhãn Bản Nà Hạ",
    "Nông sản Thanh Bình",
    "Xoài Huổi Một",
    "Nhãn Bình An",
    "Nông nghiệp Hưng Thịnh",
    "Cây ăn quả Pú Bẩu",
    "Nhãn Bản Ỏ",
    "Nông sản Mường Hung",
    "Nhãn Tân Lập",
]
GIVEN = ["Lò Văn", "Cầm Thị", "Quàng Văn", "Lường Thị", "Tòng Văn", "Điêu Thị", "Hà Văn"]
NAMES = ["Hùng", "Mai", "Thắng", "Hoa", "Dũng", "Lan", "Bình", "Xuân", "Khánh"]
PRIMARY_CROPS = ["longan"] * 6 + ["mango"] * 2 + ["orange", "pineapple"]


@dataclass
class Summary:
    created: dict

    def add(self, label: str, created: bool) -> None:
        if created:
            self.created[label] = self.created.get(label, 0) + 1


def load(today: date | None = None, *, with_demo_users: bool = False) -> Summary:
    """Create whatever part of the sample dataset is missing. Deterministic."""
    today = today or dates.today()
    summary = Summary({})
    rng = random.Random(20220801)
    with transaction.atomic():
        crops = _crops(summary)
        markets = _markets(summary)
        bodies = _bodies(summary)
        cooperatives = _cooperatives(rng, summary)
        certificates = _certificates(rng, today, cooperatives, crops, bodies, summary)
        _area_codes(rng, today, cooperatives, certificates, crops, markets, summary)
        _boundaries(summary)
        _packing_houses(today, markets, summary)
        _inspections(today, markets, summary)
        _seasons(today, markets, summary)
        _packing_house_sources(markets, summary)
        _growers(summary)
        if with_demo_users:
            _demo_users(summary)
    return summary


def _crops(summary):
    crops = {}
    for slug, vi, en, scientific in CROPS:
        crops[slug], created = Crop.objects.get_or_create(
            slug=slug, defaults={"name_vi": vi, "name_en": en, "scientific_name": scientific}
        )
        summary.add("crops", created)
        if slug in MAX_YIELDS and crops[slug].max_yield_tonnes_per_ha is None:
            figure, source = MAX_YIELDS[slug]  # set once: an administrator's edit stays
            crops[slug].max_yield_tonnes_per_ha = Decimal(figure)
            crops[slug].max_yield_source = source
            crops[slug].save()
            summary.add("crop maximum yields", True)
    return crops


def _markets(summary):
    markets = {}
    for code, vi, en, authority, requirements in MARKETS:
        markets[code], created = Market.objects.get_or_create(
            code=code,
            defaults={
                "name_vi": vi,
                "name_en": en,
                "authority": authority,
                "requirements": requirements,
                "area_code_pattern": ORCHARD,
                "packing_house_code_pattern": PACKING,
            },
        )
        summary.add("markets", created)
    code, vi, en, authority, requirements = DOMESTIC_MARKET
    markets[code], created = Market.objects.get_or_create(
        code=code,
        defaults={
            "name_vi": vi,
            "name_en": en,
            "authority": authority,
            "area_code_pattern": DOMESTIC_PATTERN,
        },
    )
    summary.add("markets", created)
    return markets


def _bodies(summary):
    bodies = []
    for code, name in [
        ("VietGAP-TT-13-09", "Trung tâm Chứng nhận Nông sản Tây Bắc (hư cấu)"),
        ("VietGAP-TT-19-02", "Công ty Chứng nhận Chất lượng Miền Bắc (hư cấu)"),
    ]:
        body, created = CertificationBody.objects.get_or_create(
            code=code, defaults={"name": name, "address": FICTITIOUS}
        )
        bodies.append(body)
        summary.add("certification bodies", created)
    return bodies


def sample_tax_code(index: int) -> str:
    """The fictitious tax code of the index-th sample cooperative: Sơn La's tax office (55), the
    serial index + 1 and its check digit (python-stdnum's). A serial no check digit fits (11,
    23, 35) is moved up by hundreds, to one no other sample cooperative has."""
    for serial in range(index + 1, 10_000_000, 100):
        try:
            return tax_code(serial)
        except ValueError:
            continue
    raise ValueError(index)


def _former_sample_tax_code(index: int) -> str:
    """The code the sample cooperative had before its check digit was computed (the last digit
    was ``index % 10``): a database loaded then has its sample cooperatives' codes corrected,
    rather than a second set of cooperatives beside them."""
    return f"55{index + 1:07d}{index % 10}"


def _correct_former_tax_codes(summary) -> None:
    """One query when there is nothing to correct."""
    corrected = {
        _former_sample_tax_code(index): sample_tax_code(index)
        for index in range(len(COOPERATIVE_NAMES))
        if _former_sample_tax_code(index) != sample_tax_code(index)
    }
    for cooperative in Cooperative.objects.filter(tax_code__in=corrected):
        code = corrected[cooperative.tax_code]
        if not Cooperative.objects.filter(tax_code=code).exists():
            cooperative.tax_code = code
            cooperative._change_reason = "Sample data: tax code with its check digit"
            cooperative.save()
            summary.add("corrected sample tax codes", True)


def _cooperatives(rng, summary):
    commune_codes = list(COMMUNES)
    communes = {c.code: c for c in Commune.objects.filter(code__in=commune_codes)}
    cooperatives = []
    _correct_former_tax_codes(summary)
    for index, name in enumerate(COOPERATIVE_NAMES):
        commune_code = commune_codes[index % len(commune_codes)]
        old_commune = COMMUNES[commune_code][index % len(COMMUNES[commune_code])]
        cooperative, created = Cooperative.objects.get_or_create(
            tax_code=sample_tax_code(index),
            defaults={
                "name": f"HTX {name}",
                "address": f"Bản {rng.choice(['Cát', 'Hin', 'Lầm', 'Púng', 'Mé'])}, "
                f"xã {COMMUNES[commune_code][0]} ({FICTITIOUS})",
                "commune": communes[commune_code],
                "legacy_location": f"xã {old_commune}, huyện Sông Mã, tỉnh Sơn La",
                "representative": f"{rng.choice(GIVEN)} {rng.choice(NAMES)}",
                "phone": f"0212 38{index:05d}"[:13],
                "member_households": rng.randint(7, 120),
                "established_on": date(2010 + index % 12, 1 + index % 12, 1 + index % 27),
                "status": CooperativeStatus.DISSOLVED if index == 44 else CooperativeStatus.ACTIVE,
            },
        )
        summary.add("cooperatives", created)
        cooperatives.append(cooperative)
        if index < 25:
            _, created = TrademarkRight.objects.get_or_create(
                cooperative=cooperative,
                mark="Nhãn Sơn La",
                defaults={
                    "decision_number": f"{100 + index}/QĐ-SHTT (hư cấu)",
                    "granted_on": date(2021, 3, 15),
                },
            )
            summary.add("trademark rights", created)
    return cooperatives


def _certificates(rng, today, cooperatives, crops, bodies, summary):
    """One certificate per cooperative; issue dates spread so some are expiring or expired."""
    certificates = {}
    for index, cooperative in enumerate(cooperatives):
        crop = crops[PRIMARY_CROPS[index % len(PRIMARY_CROPS)]]
        months_ago = [3, 8, 14, 20, 23, 26][index % 6]  # 23: expiring soon; 26: expired
        issued_on = dates.add_months(today, -months_ago) - timedelta(days=index % 20)
        expires_on = dates.add_months(issued_on, 24)
        body = bodies[index % len(bodies)]
        revoked = index == 17
        certificate, created = VietGAPCertificate.objects.get_or_create(
            body=body,
            number=f"{body.code}-{index + 1:04d}",
            defaults={
                "cooperative": cooperative,
                "crop": crop,
                "area_ha": Decimal(rng.randint(80, 450)) / 10,
                "expected_yield_tonnes": Decimal(rng.randint(50, 600)),
                "commune": cooperative.commune,
                "legacy_location": cooperative.legacy_location if issued_on < REFORM_DATE else "",
                "issued_on": issued_on,
                "expires_on": expires_on,
                "revoked_on": issued_on + timedelta(days=200) if revoked else None,
                "revocation_reason": "Vi phạm quy trình VietGAP (hư cấu)" if revoked else "",
            },
        )
        summary.add("VietGAP certificates", created)
        certificates[cooperative.pk] = certificate
    return certificates


def _area_codes(rng, today, cooperatives, certificates, crops, markets, summary):
    serial = 0
    for index, cooperative in enumerate(cooperatives[:40]):
        certificate = certificates[cooperative.pk]
        for _ in range(1 + index % 2):
            serial += 1
            issued_on = max(certificate.issued_on, date(2020, 6, 1)) + timedelta(days=30)
            issued_on = min(issued_on, today)
            code, created = AreaCode.objects.get_or_create(
                code=f"VN-SLOR-{serial:04d}",
                defaults={
                    "kind": CodeKind.EXPORT,
                    "crop": certificate.crop,
                    "variety": "Nhãn muộn" if certificate.crop.slug == "longan" else "",
                    "cooperative": cooperative,
                    "certificate": certificate,
                    "area_ha": min(certificate.area_ha, Decimal(rng.randint(60, 300)) / 10),
                    "households": rng.randint(5, 60),
                    "average_yield_tonnes": Decimal(rng.randint(40, 400)),
                    "commune": cooperative.commune,
                    "legacy_location": cooperative.legacy_location
                    if issued_on < REFORM_DATE
                    else "",
                    "latitude": Decimal("21.05") + Decimal(rng.randint(0, 900)) / 10000,
                    "longitude": Decimal("103.70") + Decimal(rng.randint(0, 900)) / 10000,
                    "issued_on": issued_on,
                    "notes": FICTITIOUS,
                },
            )
            summary.add("growing-area codes", created)
            if created:
                _export_history(code, serial, issued_on, today, markets)
    for index, cooperative in enumerate(cooperatives[40:]):
        issued_on = date(2024, 5, 10 + index)
        code, created = AreaCode.objects.get_or_create(
            code=f"VN-SL-SM-{cooperative.commune_id}-{index + 1:02d}-24",
            defaults={
                "kind": CodeKind.DOMESTIC,
                "crop": crops["plum"] if index % 2 else crops["pineapple"],
                "cooperative": cooperative,
                "area_ha": Decimal("2.5") + index,
                "households": 4 + index,
                "commune": cooperative.commune,
                "legacy_location": cooperative.legacy_location,
                "issued_on": issued_on,
                "notes": FICTITIOUS,
            },
        )
        summary.add("growing-area codes", created)
        if created:
            _register(code, [markets["VN"]], issued_on)


#: the sample boundaries lie on a grid of this step (degrees, about 1.3 km), west to east then
#: south to north from this corner, so that none overlaps by chance
GRID_STEP, GRID_COLUMNS, GRID_CORNER = 0.012, 8, (103.70, 21.05)
METRES_PER_DEGREE = 111_320


def _radius_m(area_ha: float) -> float:
    return math.sqrt(area_ha * 10_000 / (2 * math.sqrt(2)))  # of a regular octagon


def sample_boundary(lon: float, lat: float, area_ha: float, serial: int) -> dict:
    """A fictitious block: an irregular octagon of about ``area_ha`` around (lon, lat)."""
    radius = _radius_m(area_ha)
    ring = []
    for k in range(8):
        angle = 2 * math.pi * k / 8 + 0.1 * math.sin(serial + k)
        r = radius * (1 + 0.08 * math.cos(3 * serial + 2 * k))
        dlon = r * math.cos(angle) / (METRES_PER_DEGREE * math.cos(math.radians(lat)))
        ring.append([round(lon + dlon, 6), round(lat + r * math.sin(angle) / METRES_PER_DEGREE, 6)])
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def _boundaries(summary):
    """A boundary for each export code that has none: one in ten drawn 30% larger than its
    declared area (flagged), and VN-SLOR-0002 drawn over part of VN-SLOR-0001 (the one
    overlap). Saved through the model, so the measured area, the label point, the history and
    the overlaps follow as for any boundary."""
    codes = AreaCode.objects.filter(kind=CodeKind.EXPORT, code__startswith="VN-SLOR-")
    for code in codes.order_by("code"):
        if code.boundary is not None:
            continue
        serial = int(code.code.rsplit("-", 1)[1])
        column, row = (serial - 1) % GRID_COLUMNS, (serial - 1) // GRID_COLUMNS
        lon = GRID_CORNER[0] + GRID_STEP * column
        lat = GRID_CORNER[1] + GRID_STEP * row
        if serial == 2:  # over the east side of VN-SLOR-0001
            first = AreaCode.objects.get(code="VN-SLOR-0001").area_ha
            apart = 0.6 * (_radius_m(float(first)) + _radius_m(float(code.area_ha)))
            lon = GRID_CORNER[0] + apart / (METRES_PER_DEGREE * math.cos(math.radians(lat)))
        drawn = float(code.area_ha) * (1.3 if serial % 10 == 7 else 1.0)
        code.boundary = sample_boundary(lon, lat, drawn, serial)
        code.save()
        summary.add("boundaries", True)


def _register(subject, markets, issued_on):
    status_changes.change_status(
        subject,
        CodeStatus.ACTIVE,
        markets=markets,
        effective_on=issued_on,
        reason="Cấp mã số vùng trồng (hư cấu)",
        source=ChangeSource.REGISTRATION,
        reference=f"{subject.code}/QĐ-TTBVTV",
    )


def _export_history(code, serial, issued_on, today, markets):
    """Every code is registered for AU, US or CN; a few are later suspended or revoked."""
    chosen = [m for i, m in enumerate(("CN", "AU", "US")) if i == 0 or serial % (i + 2) == 0]
    _register(code, [markets[m] for m in chosen], issued_on)
    later = min(issued_on + timedelta(days=180), today)
    if serial % 9 == 0:
        status_changes.change_status(
            code,
            CodeStatus.SUSPENDED,
            markets=[markets["CN"]],
            effective_on=later,
            reason="Phát hiện sinh vật gây hại trong lô hàng (hư cấu)",
            source=ChangeSource.IMPORTING_COUNTRY_NOTICE,
            reference=f"GACC-{serial:04d} (hư cấu)",
        )
    elif serial % 13 == 0:
        status_changes.change_status(
            code,
            CodeStatus.REVOKED,
            effective_on=later,
            reason="HTX xin thu hồi do chuyển đổi cây trồng (hư cấu)",
            source=ChangeSource.HOLDER_REQUEST,
        )


def _packing_houses(today, markets, summary):
    for index, (name, commune) in enumerate(
        [
            ("Cơ sở đóng gói Sông Mã", "04168"),
            ("Cơ sở đóng gói Chiềng Khương", "04222"),
            ("Cơ sở đóng gói Mường Lầm", "04183"),
            ("Cơ sở sơ chế Huổi Một", "04210"),
        ],
        start=1,
    ):
        issued_on = date(2023, 4, index)
        house, created = PackingHouse.objects.get_or_create(
            code=f"VN-SLPH-{index:04d}",
            defaults={
                "name": f"{name} (hư cấu)",
                "operator": f"Công ty TNHH Nông sản Sơn La {index} (hư cấu)",
                "address": FICTITIOUS,
                "commune_id": commune,
                "legacy_location": "huyện Sông Mã, tỉnh Sơn La",
                "latitude": Decimal("21.02") + Decimal(index) / 100,
                "longitude": Decimal("103.72") + Decimal(index) / 50,
                "issued_on": issued_on,
                "notes": FICTITIOUS,
            },
        )
        summary.add("packing houses", created)
        if created:
            _register(
                house, [markets["CN"], markets["AU"], markets["US"]][: 1 + index % 3], issued_on
            )
            if index == 4:
                status_changes.change_status(
                    house,
                    CodeStatus.SUSPENDED,
                    markets=[markets["CN"]],
                    effective_on=min(date(2025, 9, 1), today),
                    reason="Chưa khắc phục điểm không phù hợp (hư cấu)",
                    source=ChangeSource.IMPORTING_COUNTRY_NOTICE,
                    reference="GACC-PH-01 (hư cấu)",
                )


#: A one-page PDF that says what it is: the attachment of the sample non-compliant inspection.
FICTITIOUS_REPORT = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 100]/Contents 4 0 R"
    b"/Resources<</Font<</F1<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>>>>>>>endobj\n"
    b"4 0 obj<</Length 58>>stream\nBT /F1 12 Tf 20 50 Td (Fictitious sample report) Tj ET\n"
    b"endstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
INSPECTING_BODY = "Chi cục Trồng trọt và Bảo vệ thực vật tỉnh Sơn La"


def _inspections(today, markets, summary):
    """Inspections of the export codes, spread so that the dashboard shows every state: by
    serial, 1 and 2 of every 5 codes monitored, 3 due, 4 overdue, 0 never inspected. Code
    0002's latest inspection is non-compliant with a residue above its limit (its proposed
    suspension for CN waits for an administrator). Keyed by record number: idempotent."""
    due_days = 15  # the default interval (12 months) ends in 15 days
    ages = {
        1: dates.add_months(today, -3),
        2: dates.add_months(today, -7),
        3: dates.add_months(today, -12) + timedelta(days=due_days),
        4: dates.add_months(today, -14),
    }
    for code in AreaCode.objects.filter(code__startswith="VN-SLOR-").order_by("code"):
        serial = int(code.code[-4:])
        if serial % 5 == 0:
            continue
        kind = InspectionKind.PERIODIC if serial % 3 else InspectionKind.UNANNOUNCED
        _inspection(code, ages[serial % 5], kind, InspectionResult.COMPLIANT, 1, summary)
    code = AreaCode.objects.filter(code="VN-SLOR-0002").first()
    if code is not None:
        inspection = _inspection(
            code,
            dates.add_months(today, -1),
            InspectionKind.FOLLOW_UP,
            InspectionResult.NON_COMPLIANT,
            2,
            summary,
            findings="Dư lượng thuốc BVTV vượt mức tối đa cho phép (hư cấu).",
            markets_follow=True,
        )
        if not inspection.markets.exists():
            inspection.markets.set([markets["CN"]])  # records its change-feed event (CN)
        _, created = InspectionSample.objects.get_or_create(
            inspection=inspection,
            substance="Carbendazim",
            defaults={
                "result_value": Decimal("0.35"),
                "limit_value": Decimal("0.10"),
                "unit": "mg/kg",
                "laboratory": "Phòng thử nghiệm Nông sản Tây Bắc (hư cấu)",
                "report_number": "KQ-2026-0042 (hư cấu)",
            },
        )
        summary.add("inspection samples", created)
        if not inspection.attachments.exists():
            InspectionAttachment.objects.create(
                inspection=inspection,
                file=ContentFile(FICTITIOUS_REPORT, name="bien-ban-hu-cau.pdf"),
                description=FICTITIOUS,
            )
            summary.add("inspection attachments", True)
    house = PackingHouse.objects.filter(code="VN-SLPH-0001").first()
    if house is not None:
        _inspection(
            house,
            dates.add_months(today, -2),
            InspectionKind.IMPORTING_COUNTRY_AUDIT,
            InspectionResult.FINDINGS_TO_CORRECT,
            1,
            summary,
            findings="Khu vực đóng gói chưa tách biệt với kho vật tư (hư cấu).",
            deadline=today + timedelta(days=30),
            body="GACC (kiểm tra trực tuyến, hư cấu)",
        )


#: (packing house, growing-area code, market, valid from, valid until, registration number):
#: fictitious links, including one that has ended (0003), one for a market the code is not
#: registered for (0001 for AU) and one to a packing house suspended for CN (0004).
SOURCES = [
    ("VN-SLPH-0001", "VN-SLOR-0001", "CN", date(2024, 1, 1), None, "GACC-SL-0001 (hư cấu)"),
    ("VN-SLPH-0001", "VN-SLOR-0002", "CN", date(2024, 1, 1), None, "GACC-SL-0002 (hư cấu)"),
    ("VN-SLPH-0001", "VN-SLOR-0003", "CN", date(2023, 6, 1), date(2024, 12, 31), ""),
    ("VN-SLPH-0001", "VN-SLOR-0004", "CN", date(2024, 1, 1), None, "GACC-SL-0004 (hư cấu)"),
    ("VN-SLPH-0001", "VN-SLOR-0001", "AU", date(2024, 1, 1), None, ""),
    ("VN-SLPH-0002", "VN-SLOR-0006", "CN", date(2024, 3, 1), None, "GACC-SL-0006 (hư cấu)"),
    ("VN-SLPH-0004", "VN-SLOR-0002", "CN", date(2024, 3, 1), None, "GACC-SL-0102 (hư cấu)"),
]


def _packing_house_sources(markets, summary):
    """Fictitious links of packing houses to growing-area codes (``SOURCES``), keyed by pair,
    market and first day: idempotent."""
    houses = {h.code: h for h in PackingHouse.objects.filter(code__startswith="VN-SLPH-")}
    codes = {c.code: c for c in AreaCode.objects.filter(code__in=[s[1] for s in SOURCES])}
    for house, code, market, valid_from, valid_until, number in SOURCES:
        if house not in houses or code not in codes:
            continue
        _, created = PackingHouseSource.objects.get_or_create(
            packing_house=houses[house],
            area_code=codes[code],
            market=markets[market],
            valid_from=valid_from,
            defaults={
                "valid_until": valid_until,
                "registration_number": number,
                "note": FICTITIOUS,
            },
        )
        summary.add("packing-house sources", created)


def _growers(summary):
    """Fictitious households (names marked so, no phone numbers): those of VN-SLOR-0001 agree
    with the code's households and area; VN-SLOR-0002 lists only two, so the admin and the
    API warn. Keyed by code and name: idempotent."""
    codes = {c.code: c for c in AreaCode.objects.filter(code__in=["VN-SLOR-0001", "VN-SLOR-0002"])}
    plan = []
    if "VN-SLOR-0001" in codes:
        code = codes["VN-SLOR-0001"]
        count = code.households or 4
        share = (code.area_ha / count).quantize(Decimal("0.01"))
        areas = [share] * (count - 1) + [code.area_ha - share * (count - 1)]
        plan += [(code, n, area) for n, area in enumerate(areas)]
    if "VN-SLOR-0002" in codes:
        plan += [(codes["VN-SLOR-0002"], n, Decimal("0.80")) for n in range(2)]
    for code, n, area in plan:
        name = (
            f"{GIVEN[n % len(GIVEN)]} {NAMES[(n + len(code.code)) % len(NAMES)]} {n + 1} (hư cấu)"
        )
        _, created = Grower.objects.get_or_create(
            area_code=code, name=name, defaults={"plot_area_ha": area}
        )
        summary.add("growers", created)


def _inspection(subject, on, kind, result, number, summary, **extra):
    relation = "area_code" if isinstance(subject, AreaCode) else "packing_house"
    inspection, created = Inspection.objects.get_or_create(
        **{relation: subject},
        record_number=f"BB-{subject.code}-{number} (hư cấu)",
        defaults={
            "inspected_on": on,
            "inspecting_body": extra.get("body", INSPECTING_BODY),
            "inspectors": "Lò Văn Thử, Cầm Thị Mẫu (hư cấu)",
            "kind": kind,
            "result": result,
            "findings": extra.get("findings", FICTITIOUS),
            "corrective_action_deadline": extra.get("deadline"),
        },
    )
    summary.add("inspections", created)
    if not extra.get("markets_follow"):
        inspection_feed.record_inspection(inspection)  # its event, for every market of the code
    return inspection


SEASON_CODES = ["VN-SLOR-0001", "VN-SLOR-0002", "VN-SLOR-0003", "VN-SLOR-0004"]
#: Its last season declares for export more than its area can grow: the capacity check flags it.
OVER_CAPACITY_CODE = "VN-SLOR-0003"


def _seasons(today, markets, summary):
    """Two seasons (last crop year, weighed; this one, expected) for a few export codes, at
    about half their crop's maximum yield; VN-SLOR-0003's last season declares 2.5 times its
    crop's maximum for China (and more than its output), so the dashboard shows a flag."""
    for code in AreaCode.objects.filter(code__in=SEASON_CODES).select_related("crop"):
        max_yield = code.crop.max_yield_tonnes_per_ha or Decimal("10")
        expected = (code.area_ha * max_yield / 2).quantize(Decimal("1"))
        for year, actual in ((today.year - 1, expected * Decimal("0.9")), (today.year, None)):
            season, created = Season.objects.get_or_create(
                area_code=code,
                crop_year=year,
                defaults={
                    "standard": SeasonStandard.VIETGAP,
                    "expected_tonnes": expected,
                    "harvest_start": date(year, 7, 20),
                    "harvest_end": date(year, 9, 10),
                    "actual_tonnes": actual.quantize(Decimal("1")) if actual else None,
                    "notes": FICTITIOUS,
                },
            )
            summary.add("seasons", created)
            if not created:
                continue
            over = code.code == OVER_CAPACITY_CODE and actual is not None
            china = (code.area_ha * max_yield * Decimal("2.5")) if over else expected / 2
            SeasonMarket.objects.create(
                season=season, market=markets["CN"], tonnes=china.quantize(Decimal("1"))
            )
            summary.add("export declarations", True)


DEMO_PASSWORD = "vungtrong-demo"
DEMO_USERS = [
    ("demo-admin", roles.ADMINISTRATORS),
    ("demo-entry", roles.DATA_ENTRY),
    ("demo-staff", roles.STAFF),
    ("demo-subscriber", roles.SUBSCRIBERS),  # an exporter: /subscriptions/, not the admin
]


def _demo_users(summary):
    """One user per role, for local demonstration only (DEBUG)."""
    user_model = get_user_model()
    for username, group_name in DEMO_USERS:
        subscriber = group_name == roles.SUBSCRIBERS
        user, created = user_model.objects.get_or_create(
            username=username,
            defaults={"is_staff": not subscriber, "email": f"{username}@example.invalid"},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
            user.groups.add(Group.objects.get(name=group_name))
        summary.add("demo users", created)
        if subscriber:
            _, created = Subscription.objects.get_or_create(
                owner=user,
                name="Nhãn Sơn La cho Úc (ví dụ, hư cấu)",
                defaults={
                    "market_code": "AU",
                    "province_code": "14",
                    "crop_slug": "longan",
                    "email_digest": True,
                },
            )
            summary.add("demo subscriptions", created)

"""Procurement (第三十九条–第四十三条) through the real write paths: scoring schemes, bid evaluation, OCDS."""

import json
from datetime import date
from decimal import Decimal

import jsonschema
import pytest
from django.db import transaction
from django.urls import reverse

from accounts.models import OrgKind, Role
from funding import ocds, services
from funding.models import Bid
from projects import services as project_services
from projects.services import ActionRefused
from tests import factories

D = Decimal


def approved_project(filer):
    office = factories.user("office_p", factories.body(OrgKind.LEADING_GROUP_OFFICE), Role.REVIEWER)
    drc = factories.user("drc_p", factories.body(OrgKind.DRC), Role.REVIEWER)
    p = factories.project(filer)
    with transaction.atomic():
        project_services.transition_project(actor=filer, project_id=p.pk, transition="submit", action="t")
        project_services.transition_project(actor=office, project_id=p.pk, transition="put_on_annual_list", action="t")
        project_services.transition_project(actor=filer, project_id=p.pk, transition="submit_for_approval", action="t")
        project_services.transition_project(
            actor=drc, project_id=p.pk, transition="approve", action="t",
            apply=lambda p: (setattr(p, "approved_total_investment", D("1000000.00")),
                             setattr(p, "approval_date", date(2026, 1, 10)), {})[-1])
    p.refresh_from_db()
    return p


def tender(filer, project, category="goods", price_weight="30", criteria=None, **extra):
    criteria = criteria if criteria is not None else [{"name": "技术", "weight": D(100) - D(price_weight)}]
    return services.procurement_create(actor=filer, project_id=project.pk, title="平台软硬件采购", budget=D("900000.00"),
                                       method=extra.pop("method", "open_tender"), category=category,
                                       scoring_method="comprehensive", price_weight=D(price_weight),
                                       criteria=criteria, **extra)


def bids_by_name(procurement):
    return {b.bidder: b for b in Bid.objects.filter(procurement=procurement)}


@pytest.fixture
def project(filer_a):
    return approved_project(filer_a)


def test_goods_bids_scored_with_price_weight_30(filer_a, project):
    p = tender(filer_a, project)
    services.bid_add(actor=filer_a, procurement_id=p.pk, bidder="甲公司", price=D("800000.00"), scores={"技术": D("90")})
    services.bid_add(actor=filer_a, procurement_id=p.pk, bidder="乙公司", price=D("1000000.00"), scores={"技术": D("95")})
    services.bid_add(actor=filer_a, procurement_id=p.pk, bidder="丙公司", price=D("500000.00"), scores={},
                     valid=False, invalid_reason="未按要求提供资质证明")
    services.procurement_evaluate(actor=filer_a, procurement_id=p.pk)
    bids = bids_by_name(p)
    # Lowest valid price 800,000 (丙 is invalid and does not count).
    # 甲: price 100.00 × 30 % = 30.00; 技术 90 × 70 % = 63.00 → 93.00
    # 乙: price 800000/1000000 × 100 = 80.00 × 30 % = 24.00; 技术 95 × 70 % = 66.50 → 90.50
    assert (bids["甲公司"].price_score, bids["甲公司"].total, bids["甲公司"].rank) == (D("100.00"), D("93.00"), 1)
    assert (bids["乙公司"].price_score, bids["乙公司"].total, bids["乙公司"].rank) == (D("80.00"), D("90.50"), 2)
    assert bids["丙公司"].rank is None and bids["丙公司"].total is None
    p.refresh_from_db()
    assert p.lowest_valid_price == D("800000.00")
    assert isinstance(bids["甲公司"].total, Decimal)


def test_services_bids_scored_with_price_weight_10_and_a_tie(filer_a, project):
    p = tender(filer_a, project, category="services", price_weight="10",
               criteria=[{"name": "技术", "weight": D("60")}, {"name": "商务", "weight": D("30")}])
    services.bid_add(actor=filer_a, procurement_id=p.pk, bidder="甲公司", price=D("400000.00"),
                     scores={"技术": D("80"), "商务": D("80")})
    services.bid_add(actor=filer_a, procurement_id=p.pk, bidder="乙公司", price=D("500000.00"),
                     scores={"技术": D("82"), "商务": D("78")})
    services.bid_add(actor=filer_a, procurement_id=p.pk, bidder="丙公司", price=D("450000.00"),
                     scores={"技术": D("70"), "商务": D("70")})
    services.procurement_evaluate(actor=filer_a, procurement_id=p.pk)
    bids = bids_by_name(p)
    # 甲: 100.00 × 10 % = 10.00; 80 × 60 % = 48.00; 80 × 30 % = 24.00 → 82.00
    # 乙: 400000/500000 × 100 = 80.00 × 10 % = 8.00; 82 × 60 % = 49.20; 78 × 30 % = 23.40 → 80.60
    # 丙: 400000/450000 × 100 = 88.89 × 10 % = 8.889; 70 × 60 % = 42; 70 × 30 % = 21 → 71.889 → 71.89
    assert bids["甲公司"].total == D("82.00") and bids["甲公司"].rank == 1 and not bids["甲公司"].tied
    assert bids["乙公司"].total == D("80.60") and bids["乙公司"].rank == 2
    assert bids["丙公司"].price_score == D("88.89") and bids["丙公司"].total == D("71.89")

    tie = tender(filer_a, project, category="services", price_weight="10",
                 criteria=[{"name": "技术", "weight": D("90")}])
    # 甲: 100.00 × 10 % = 10.00; 技术 80 × 90 % = 72.00 → 82.00
    services.bid_add(actor=filer_a, procurement_id=tie.pk, bidder="甲公司", price=D("400000.00"), scores={"技术": D("80")})
    # 乙: 400000/500000 → 80.00 × 10 % = 8.00; 技术 82.22 × 90 % = 73.998 → total 81.998 → 82.00: a tie on the shown total.
    services.bid_add(actor=filer_a, procurement_id=tie.pk, bidder="乙公司", price=D("500000.00"), scores={"技术": D("82.22")})
    services.procurement_evaluate(actor=filer_a, procurement_id=tie.pk)
    bids = bids_by_name(tie)
    assert bids["甲公司"].total == bids["乙公司"].total == D("82.00")
    assert bids["甲公司"].rank == bids["乙公司"].rank == 1
    assert bids["甲公司"].tied and bids["乙公司"].tied


def test_goods_scheme_with_20_percent_price_weight_is_refused(filer_a, project):
    with pytest.raises(ActionRefused) as exc:
        tender(filer_a, project, category="goods", price_weight="20")
    assert "价格分值占总分值比重应当为 30.00%" in exc.value.message
    assert "第三十九条第二款" in exc.value.message
    assert not project.procurements.exists()


def test_single_source_is_exempt_and_undetermined_category_needs_a_reason(filer_a, project):
    p = services.procurement_create(actor=filer_a, project_id=project.pk, title="原厂升级服务", budget=D("100000.00"),
                                    method="single_source", category="services", scoring_method="comprehensive",
                                    price_weight=D("20"), criteria=[{"name": "技术", "weight": D("80")}])
    assert p.pk
    with pytest.raises(ActionRefused) as exc:
        tender(filer_a, project, category="undetermined", price_weight="30")
    assert "第三十九条第二款" in exc.value.message
    p = tender(filer_a, project, category="undetermined", price_weight="30", determined_category="goods",
               category_reason="以设备采购为主")
    assert p.pk


def test_om_service_term_over_profile_years_refused(filer_a, project):
    with pytest.raises(ActionRefused) as exc:
        tender(filer_a, project, category="services", price_weight="10",
               om_service=True, service_first_day=date(2027, 1, 1), service_last_day=date(2030, 1, 1))
    assert "第四十二条" in exc.value.message
    p = tender(filer_a, project, category="services", price_weight="10",
               om_service=True, service_first_day=date(2027, 1, 1), service_last_day=date(2029, 12, 31))
    services.om_contract_add(actor=filer_a, procurement_id=p.pk, first_day=date(2027, 1, 1),
                             last_day=date(2027, 12, 31), amount=D("100000.00"))
    with pytest.raises(ActionRefused) as exc:
        services.om_contract_add(actor=filer_a, procurement_id=p.pk, first_day=date(2028, 1, 1),
                                 last_day=date(2029, 1, 1), amount=D("100000.00"))
    assert "分年签订" in exc.value.message


def test_other_unit_cannot_add_bids(filer_a, filer_b, project):
    from django.http import Http404

    p = tender(filer_a, project)
    with pytest.raises(Http404):
        services.bid_add(actor=filer_b, procurement_id=p.pk, bidder="X", price=D("1.00"), scores={"技术": D("1")})


def test_ocds_release_package(filer_a, project, client_for):
    p = tender(filer_a, project)
    services.bid_add(actor=filer_a, procurement_id=p.pk, bidder="甲公司", price=D("800000.00"), scores={"技术": D("90")})
    services.bid_add(actor=filer_a, procurement_id=p.pk, bidder="乙公司", price=D("1000000.00"), scores={"技术": D("95")})
    services.procurement_evaluate(actor=filer_a, procurement_id=p.pk)
    tender(filer_a, project, classified=True)  # never exported (第四十一条)

    response = client_for(filer_a).get(reverse("funding:ocds", args=[project.pk]))
    assert response.status_code == 200
    package = json.loads(response.content, parse_float=Decimal)
    # Validated against the platform's transcription of the OCDS 1.1 release package schema
    # (funding/ocds_schema.json; the official file cannot be downloaded here).
    schema = json.loads(ocds.SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER).validate(
        json.loads(response.content))
    for key in ("uri", "publishedDate", "publisher", "releases", "version"):
        assert key in package, key
    assert package["version"] == "1.1" and package["publisher"]["name"]
    assert package["uri"].startswith("http")
    assert len(package["releases"]) == 1
    release = package["releases"][0]
    for key in ("ocid", "id", "date", "tag", "initiationType"):
        assert key in release, key
    assert release["ocid"].startswith(ocds.OCID_PREFIX + "-")
    assert release["initiationType"] == "tender" and release["tag"] == ["tender", "award"]
    t = release["tender"]
    assert t["procurementMethod"] == "open" and t["procurementMethodDetails"] == "公开招标"
    assert t["mainProcurementCategory"] == "goods"
    assert t["value"] == {"amount": D("900000.00"), "currency": "CNY"}
    assert {x["name"] for x in t["tenderers"]} == {"甲公司", "乙公司"}
    assert release["buyer"]["name"] == "测试单位甲"
    (award,) = release["awards"]
    assert award["suppliers"][0]["name"] == "甲公司" and award["value"]["amount"] == D("800000.00")
    assert isinstance(award["value"]["amount"], Decimal)


def test_ocds_dumps_refuses_float():
    with pytest.raises(TypeError):
        ocds.dumps({"amount": 1.5})
    assert ocds.dumps({"amount": D("1.10"), "名称": "甲"}) == '{"amount":1.10,"名称":"甲"}'


def test_project_page_shows_ranking_with_ties_and_api_refuses_scheme(filer_a, project, client_for):
    p = tender(filer_a, project, category="services", price_weight="10", criteria=[{"name": "技术", "weight": D("90")}])
    services.bid_add(actor=filer_a, procurement_id=p.pk, bidder="甲公司", price=D("400000.00"), scores={"技术": D("80")})
    services.bid_add(actor=filer_a, procurement_id=p.pk, bidder="乙公司", price=D("500000.00"), scores={"技术": D("82.22")})
    c = client_for(filer_a)
    response = c.post(reverse("funding:act", args=[project.pk, "evaluate"]), {"procurement_id": p.pk})
    assert response.status_code == 302
    text = c.get(reverse("funding:project", args=[project.pk])).content.decode()
    assert "1（并列）" in text and "82.00" in text

    refused = c.post(f"/api/v1/funding/projects/{project.pk}/procurements", {
        "title": "服务器采购", "budget": "100000.00", "method": "open_tender", "category": "goods",
        "scoring_method": "comprehensive", "price_weight": "20", "criteria": [{"name": "技术", "weight": "80"}]},
        content_type="application/json")
    assert refused.status_code == 409 and "第三十九条第二款" in refused.json()["detail"][0]["message"]
    created = c.post(f"/api/v1/funding/projects/{project.pk}/procurements", {
        "title": "服务器采购", "budget": "100000.00", "method": "open_tender", "category": "goods",
        "scoring_method": "comprehensive", "price_weight": "30", "criteria": [{"name": "技术", "weight": "70"}]},
        content_type="application/json")
    assert created.status_code == 201 and created.json()["budget"] == "100000.00"
    pid = created.json()["id"]
    bid = c.post(f"/api/v1/funding/procurements/{pid}/bids", {"bidder": "甲", "price": "90000", "scores": {"技术": "80"}},
                 content_type="application/json")
    assert bid.status_code == 201
    evaluated = c.post(f"/api/v1/funding/procurements/{pid}/evaluate")
    assert evaluated.status_code == 200 and evaluated.json()["bids"][0]["total"] == "86.00"
    assert c.get(f"/api/v1/funding/projects/{project.pk}/ocds").json()["version"] == "1.1"

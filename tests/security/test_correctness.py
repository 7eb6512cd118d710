"""Correctness (SECURITY.md 36–39): stale versions and replayed form tokens, money, legal dates in Asia/Shanghai and
spreadsheet exports without formulas from user data."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from unittest import mock

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from accounts.models import OrgKind, Role
from projects.models import Project
from tests import factories

CENT = Decimal("0.01")


def logged_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


# ---- R36: stale versions and one-time form tokens ----------------------------------------------------------------

@pytest.mark.django_db
def test_r36_saving_a_stale_version_of_the_draft_is_refused_and_changes_nothing(filer_a):
    from declarations.models import DeclarationMaterials

    project = factories.project(filer_a)
    c = logged_in(filer_a)
    url = f"/declarations/projects/{project.pk}/edit/"
    page = c.get(url).content.decode()
    version = int(re.search(r'name="version" value="(\d+)"', page)[1])
    # Two people opened the same version; the first one saves.
    first = c.post(url, {"version": version, "main_tasks": "第一个人写的内容"})
    assert first.status_code == 302, first.content.decode()[:500]
    saved = DeclarationMaterials.objects.get(project=project)
    assert saved.version == version + 1
    # The second one saves on the version both started from: refused, with the reason, nothing overwritten.
    stale = c.post(url, {"version": version, "main_tasks": "第二个人写的内容"})
    assert stale.status_code == 409
    assert "申报材料已被他人修改，请刷新后在最新版本上修改（版本不一致）" in stale.content.decode()
    saved.refresh_from_db()
    assert saved.main_tasks == "第一个人写的内容" and saved.version == version + 1
    # The API says the same.
    api = c.patch(f"/api/v1/declarations/projects/{project.pk}/materials", content_type="application/json",
                  data=json.dumps({"version": version, "main_tasks": "接口写的内容"}))
    assert api.status_code == 409 and "版本" in json.dumps(api.json(), ensure_ascii=False)
    saved.refresh_from_db()
    assert saved.main_tasks == "第一个人写的内容"


def _token(page: str) -> str:
    return re.search(r'name="form_token" value="([^"]+)"', page)[1]


@pytest.mark.django_db
def test_r36_a_double_submit_of_the_new_project_form_creates_one_project(filer_a):
    c = logged_in(filer_a)
    token = _token(c.get("/projects/new/").content.decode())
    data = {"name": "只建一次的项目", "year": 2027, "delivery_mode": "self_built", "total_investment": "1000.00",
            "form_token": token}
    assert c.post("/projects/new/", data).status_code == 302
    replayed = c.post("/projects/new/", data)
    assert replayed.status_code == 409
    assert "该表单已经提交过" in replayed.content.decode()
    assert Project.objects.filter(name="只建一次的项目").count() == 1
    # A fresh form gets a fresh token and creates the next one.
    token2 = _token(c.get("/projects/new/").content.decode())
    assert token2 != token
    assert c.post("/projects/new/", {**data, "form_token": token2}).status_code == 302
    assert Project.objects.filter(name="只建一次的项目").count() == 2


@pytest.mark.django_db
def test_r36_a_forged_or_missing_token_is_refused_and_a_failed_submit_keeps_its_token(filer_a):
    c = logged_in(filer_a)
    data = {"name": "令牌测试", "year": 2027, "delivery_mode": "self_built", "total_investment": "1000.00"}
    missing = c.post("/projects/new/", data)
    assert missing.status_code == 200 and "表单令牌缺失" in missing.content.decode()
    forged = c.post("/projects/new/", {**data, "form_token": "project.create:abc:def"})
    assert forged.status_code == 422 and "表单令牌无效" in forged.content.decode()
    token = _token(c.get("/projects/new/").content.decode())
    invalid = c.post("/projects/new/", {**data, "total_investment": "-1", "form_token": token})
    assert invalid.status_code == 200 and "申报总投资不能为负数" in invalid.content.decode()
    # The rejected submit did not use the token up: the corrected form goes through with it.
    assert c.post("/projects/new/", {**data, "form_token": token}).status_code == 302
    assert Project.objects.filter(name="令牌测试").count() == 1


@pytest.mark.django_db
def test_r36_a_replayed_change_request_form_files_one_change(filer_a, unit_a):
    from delivery.models import ChangeRequest
    from tests.test_issue4_paths import approved, on

    factories.user("head_a", unit_a, Role.UNIT_HEAD)
    project = approved(filer_a)
    c = logged_in(filer_a)
    page = c.get(f"/delivery/{project.pk}/").content.decode()
    token = _token(page)
    data = {"reasons": ["optimisation"], "content": "优化技术方案", "amount_moved": "1000.00",
            "total_investment_after": "9500000.00", "goals_unchanged": "on", "form_token": token}
    with on(date(2025, 2, 1)):
        assert c.post(f"/delivery/{project.pk}/change/", data).status_code == 302
        replayed = c.post(f"/delivery/{project.pk}/change/", data)
    assert replayed.status_code == 409 and "该表单已经提交过" in replayed.content.decode()
    assert ChangeRequest.objects.filter(project=project).count() == 1


# ---- R37: money ------------------------------------------------------------------------------------------------

# ≤ 15 significant digits, two decimals (SQLite keeps no more): 0.00 … 9,999,999,999,999.99 yuan.
yuan_amounts = st.decimals(min_value=Decimal("0"), max_value=Decimal("9999999999999.99"), places=2,
                           allow_nan=False, allow_infinity=False)


def half_up(value: Decimal, places: int = 2) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@given(yuan_amounts)
def test_r37_yuan_and_wan_yuan_are_exact_and_rounded_half_up(amount):
    from web.templatetags.zw import wan, yuan

    shown = yuan(amount)
    assert Decimal(shown.removesuffix(" 元").replace(",", "")) == amount
    wan_shown = Decimal(wan(amount).removesuffix(" 万元").replace(",", ""))
    assert wan_shown == half_up(amount / Decimal(10000))
    # 元 → 万元 → 元 is exact to the fen whenever the 万元 figure carries all of it.
    assert (amount / Decimal(10000)) * Decimal(10000) == amount


def test_r37_half_a_fen_of_wan_yuan_rounds_up_not_to_even():
    from reviews.pdf import _yuan
    from web.templatetags.zw import wan

    assert wan(Decimal("50")) == "0.01 万元"  # 0.005 万元: 四舍五入 gives 0.01, banker's rounding 0.00
    assert wan(Decimal("250")) == "0.03 万元"  # 0.025: half-even would give 0.02
    assert _yuan(Decimal("250")) == "250.00 元（0.03 万元）"


@given(st.lists(yuan_amounts, min_size=1, max_size=30))
def test_r37_the_sum_of_the_parts_is_the_total_to_the_fen(parts):
    from funding.services import money

    total = sum((money(p) for p in parts), Decimal("0"))
    assert total == sum(parts, Decimal("0"))
    assert money(total) == total and total.as_tuple().exponent == -2


@given(st.decimals(min_value=Decimal("-1e13"), max_value=Decimal("1e13"), places=4, allow_nan=False,
                   allow_infinity=False))
def test_r37_money_helpers_round_half_up_and_never_use_float(value):
    from funding.services import money as funding_money
    from oversight.services import money as oversight_money
    from rules.ch06_procurement import _round

    expected = half_up(value)
    for helper in (funding_money, oversight_money, _round):
        result = helper(value)
        assert isinstance(result, Decimal) and result == expected


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amount=st.decimals(min_value=Decimal("0"), max_value=Decimal("9999999999999.99"), places=2))
def test_r37_the_api_keeps_every_fen_of_a_15_digit_amount(filer_a, amount):
    c = logged_in(filer_a)
    created = c.post("/api/v1/projects", content_type="application/json",
                     data=json.dumps({"name": "金额测试", "year": 2027, "delivery_mode": "self_built",
                                      "total_investment": str(amount)}))
    assert created.status_code == 201, created.content
    assert Decimal(created.json()["total_investment"]) == amount
    assert Project.objects.get(pk=created.json()["id"]).total_investment == amount


@pytest.mark.django_db
@pytest.mark.parametrize("bad, phrase", [("-1.00", "负"), ("12345678901234567", "位"), ("1.005", "两位小数"),
                                         ("abc", "")])
def test_r37_negative_17_digit_and_sub_fen_money_is_refused_with_a_message(filer_a, bad, phrase):
    c = logged_in(filer_a)
    page = c.post("/projects/new/", {"name": "金额", "year": 2027, "delivery_mode": "self_built",
                                     "total_investment": bad, "form_token": _token(c.get("/projects/new/")
                                                                                   .content.decode())})
    html = page.content.decode()
    assert page.status_code == 200 and "申报总投资" in html and "field-error" in html
    if phrase:
        assert phrase in html
    api = c.post("/api/v1/projects", content_type="application/json",
                 data=json.dumps({"name": "金额", "year": 2027, "delivery_mode": "self_built",
                                  "total_investment": bad}))
    assert api.status_code == 422
    assert any(d["field"].endswith("total_investment") for d in api.json()["detail"]), api.json()
    assert not Project.objects.filter(name="金额").exists()


# ---- R38: dates -----------------------------------------------------------------------------------------------

def beijing(y, m, d, hh, mm, ss) -> datetime:
    """The UTC instant of a Beijing wall-clock time (UTC+8, no daylight saving)."""
    from zoneinfo import ZoneInfo

    return datetime(y, m, d, hh, mm, ss, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)


def test_r38_datetimes_are_aware_and_legal_dates_are_beijing_dates():
    from django.conf import settings as dj
    from django.utils import timezone

    assert dj.USE_TZ is True and dj.TIME_ZONE == "Asia/Shanghai"
    assert timezone.is_aware(timezone.now())
    # 23:59:59 on 31 December in Beijing is still that year, although it is 15:59:59 UTC; a second later it is
    # the new year in Beijing while UTC is still on 31 December.
    with mock.patch("django.utils.timezone.now", return_value=beijing(2025, 12, 31, 23, 59, 59)):
        assert timezone.localdate() == date(2025, 12, 31)
    with mock.patch("django.utils.timezone.now", return_value=beijing(2026, 1, 1, 0, 0, 0)):
        assert timezone.localdate() == date(2026, 1, 1)
        assert timezone.now().astimezone(UTC).date() == date(2025, 12, 31)
    with mock.patch("django.utils.timezone.now", return_value=beijing(2028, 2, 29, 0, 0, 0)):
        assert timezone.localdate() == date(2028, 2, 29)


@pytest.mark.parametrize("start, months, expected", [
    (date(2024, 2, 29), 12, date(2025, 2, 28)),   # no 29 February next year: the month's last day
    (date(2024, 2, 29), 48, date(2028, 2, 29)),   # a leap year again
    (date(2023, 2, 28), 12, date(2024, 2, 28)),   # the corresponding day exists in the leap year
    (date(2025, 8, 31), 6, date(2026, 2, 28)),
    (date(2027, 8, 31), 6, date(2028, 2, 29)),
    (date(2025, 12, 31), 1, date(2026, 1, 31)),   # across the year end
    (date(2025, 11, 30), 3, date(2026, 2, 28)),
])
def test_r38_month_periods_at_year_end_and_29_february(start, months, expected):
    from rules.periods import months_later, period_complete_on

    assert months_later(start, months) == expected
    assert period_complete_on(start, months) == date.fromordinal(expected.toordinal() + 1)


def test_r38_day_periods_do_not_count_the_start_day_and_skip_holidays_across_the_year_end():
    from rules.periods import deadline_after_days

    assert deadline_after_days(date(2025, 12, 31), 1) == date(2026, 1, 1)
    assert deadline_after_days(date(2025, 12, 30), 2, {date(2026, 1, 1)}) == date(2026, 1, 2)
    assert deadline_after_days(date(2028, 2, 28), 1) == date(2028, 2, 29)
    assert deadline_after_days(date(2027, 2, 28), 1) == date(2027, 3, 1)


@pytest.mark.django_db
def test_r38_a_declaration_round_closes_at_midnight_beijing_time(filer_a, office_reviewer):
    """A round whose last day is 31 December takes a submission at 23:59:59 Beijing time and refuses one at
    00:00:00 on 1 January, whatever the UTC date is."""
    from declarations import services as declaration_services
    from projects.services import ActionRefused
    from tests.test_declarations import open_round, ready_project

    open_round(office_reviewer, opens_on=date(2026, 12, 1), closes_on=date(2026, 12, 31))
    projects = [ready_project(filer_a, name=name) for name in ("最后一秒", "零点")]
    with mock.patch("django.utils.timezone.now", return_value=beijing(2026, 12, 31, 23, 59, 59)):
        declaration_services.declaration_submit(actor=filer_a, project_id=projects[0].pk)
    with mock.patch("django.utils.timezone.now", return_value=beijing(2027, 1, 1, 0, 0, 0)):
        with pytest.raises(ActionRefused):
            declaration_services.declaration_submit(actor=filer_a, project_id=projects[1].pk)
    assert [Project.objects.get(pk=p.pk).stage for p in projects] == ["submitted", "draft"]


# ---- R39: exports ---------------------------------------------------------------------------------------------

DANGEROUS = ["=1+1", "+SUM(A1:A2)", "-2+3", "@cmd", "\tTAB", "\rCR", "\x00NUL", '=HYPERLINK("http://x","y")']


def _cells(content: bytes):
    book = load_workbook(io.BytesIO(content))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            yield from row


def _assert_no_formula(content: bytes, where: str) -> list[str]:
    texts = []
    for cell in _cells(content):
        assert cell.data_type != "f", (where, cell.coordinate, cell.value)
        if isinstance(cell.value, str):
            assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r", "\x00")), (where, cell.value)
            texts.append(cell.value)
    return texts


@pytest.mark.django_db
def test_r39_every_export_neutralises_formula_text_in_every_user_field(filer_a, unit_a, client_for):
    from django.db import connection

    from catalogue.excel import neutralise
    from catalogue.models import InformationSystem
    from oversight.models import Rectification, SupervisionFinding
    from tests.test_issue4_paths import approved
    from tests.test_reviews import reviewer

    # PostgreSQL refuses NUL in text outright, so NUL can reach an export only from SQLite; the neutraliser
    # that every export uses handles it either way.
    assert neutralise("\x00=1+1") == "'=1+1"
    dangerous = DANGEROUS if connection.vendor == "sqlite" else [t for t in DANGEROUS if "\x00" not in t]
    factories.user("head_a", unit_a, Role.UNIT_HEAD)
    project = approved(filer_a, name=DANGEROUS[0])
    Project.objects.filter(pk=project.pk).update(name=DANGEROUS[1] + "项目")
    for i, text in enumerate(dangerous):
        InformationSystem.objects.create(unit=unit_a, code=f"R39-{i}", name=text, purpose=text,
                                         network="egov_extranet", mlps_level=2, data_resources=text)
        finding = SupervisionFinding.objects.create(project=project, body=factories.body(OrgKind.DRC), area="progress",
                                                    description=text, requirement=text, found_on=date(2025, 3, 1),
                                                    recorded_by=reviewer(OrgKind.DRC))
        Rectification.objects.create(finding=finding, ordered_on=date(2025, 3, 1), due_on=date(2025, 4, 1),
                                     rectification_report=text)
    from obligations.services import recompute_obligations

    recompute_obligations()
    unit, office = client_for(filer_a), client_for(reviewer(OrgKind.LEADING_GROUP_OFFICE))
    exports = {
        "目录": (unit, "/catalogue/export/"),
        "台账": (unit, "/dashboards/export/projects.xlsx"),
        "整改": (office, "/dashboards/export/rectifications.xlsx"),
        "年度清单": (office, f"/reviews/annual-lists/{project.year}.xlsx"),
        "义务": (unit, "/obligations/export.xlsx"),
    }
    seen = {}
    for label, (c, url) in exports.items():
        response = c.get(url)
        assert response.status_code == 200, (label, url, response.content[:300])
        seen[label] = _assert_no_formula(response.content, label)
    # The user text is there, as text with a leading quote (not dropped).
    assert any(t == "'=1+1" for t in seen["目录"]) and any(t == "'@cmd" for t in seen["目录"])
    assert any(t.startswith("'+SUM") for t in seen["台账"])
    assert any(t.startswith("'+SUM") for t in seen["年度清单"])
    assert any(t == "'-2+3" for t in seen["整改"])

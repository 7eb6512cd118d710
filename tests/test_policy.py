from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from policy.models import PolicyProfile
from policy.parameters import PARAMETERS, ParameterError
from policy.profiles import NoProfileInForce, parse_profile
from policy.services import resolve_for, save_profile
from regulation.parser import measures
from rules.testing import city_profile, province_profile

CITY = {"key": "chengdu-2024", "name": "成都市办法", "jurisdiction": "510100", "parent_jurisdiction": "510000",
        "effective_from": "2024-01-01", "parameters": {"merged_plan.max_total_investment": "10000000.00"}}


def test_shipped_provincial_profile_is_complete_and_typed():
    p = province_profile()
    assert p.value("merged_plan.max_total_investment") == Decimal("20000000.00")
    assert p.value("change.self_adjustment_max_percent") == Decimal("15.00")
    assert p.value("trial_run.months") == 3
    assert p.value("opinion.bodies") == ("cyberspace_office", "secrecy_bureau", "cryptography_bureau",
                                         "economy_it_department", "public_security", "finance", "big_data_center")
    assert p.value("procurement.price_weight_goods_percent") == Decimal("30.00")
    assert p.value("self_evaluation.window_start_months") == 12


def test_every_parameter_cites_an_article_of_the_measures():
    numbers = {a.number for a in measures().articles}
    for spec in PARAMETERS.values():
        assert spec.citation.article in numbers, spec.name


def test_unknown_parameter_is_refused_by_name():
    with pytest.raises(ParameterError, match="未知参数：merged_plan.max_investment"):
        parse_profile({**CITY, "parameters": {"merged_plan.max_investment": "1"}})


@pytest.mark.parametrize("name, value, message", [
    ("trial_run.months", "three", "trial_run.months（试运行期） 必须是非负整数"),
    ("merged_plan.max_total_investment", 20000000.0, "不能是浮点数"),
    ("merged_plan.max_total_investment", "-1", "必须是非负数值"),
    ("change.self_adjustment_max_percent", "150", "不能超过 100"),
    ("opinion.bodies", ["drc", "martians"], "含有未知标识：martians"),
    ("change.adjustment_amount_reading", "yearly", "只能取 cumulative、per_change"),
])
def test_wrong_types_are_refused_with_the_parameter_named(name, value, message):
    with pytest.raises(ParameterError, match=message):
        parse_profile({**CITY, "parameters": {name: value}})


def test_city_profile_overrides_one_parameter_and_inherits_the_rest():
    city = city_profile({"merged_plan.max_total_investment": "10000000.00"})
    assert city.value("merged_plan.max_total_investment") == Decimal("10000000.00")
    assert city.value("trial_run.months") == 3
    assert city.origin["merged_plan.max_total_investment"] == "test-city"
    assert city.origin["trial_run.months"] == "sichuan-province-2021"
    evidence = city.evidence("merged_plan.max_total_investment")
    assert evidence["merged_plan.max_total_investment"]["citation"] == "第十八条第二款第三项"


def test_nothing_in_force_before_the_measures_were_issued_fails_loudly():
    with pytest.raises(NoProfileInForce, match="没有生效的省级基准配置"):
        province_profile(on=date(2021, 10, 4))
    assert province_profile(on=date(2021, 10, 5)).key == "sichuan-province-2021"


@pytest.mark.django_db
def test_stored_city_profile_resolves_for_the_city_and_is_audited(sysadmin):
    before = AuditEvent.objects.count()
    profile = save_profile(CITY, actor=sysadmin)
    assert profile.version_label == "chengdu-2024@v1"
    assert resolve_for("510100", date(2026, 1, 1)).value("merged_plan.max_total_investment") == Decimal("10000000.00")
    assert resolve_for("510300", date(2026, 1, 1)).value("merged_plan.max_total_investment") == Decimal("20000000.00")
    # Before the city's profile took effect the province's applies.
    assert resolve_for("510100", date(2023, 12, 31)).value("merged_plan.max_total_investment") == Decimal("20000000.00")
    assert AuditEvent.objects.count() == before + 1
    assert AuditEvent.objects.latest("seq").action == "policy.profile_saved"


@pytest.mark.django_db
def test_a_changed_profile_is_a_new_version_and_the_old_one_is_kept(sysadmin):
    save_profile(CITY, actor=sysadmin)
    v2 = save_profile({**CITY, "parameters": {"merged_plan.max_total_investment": "8000000.00"}}, actor=sysadmin)
    assert v2.version == 2
    assert PolicyProfile.objects.filter(key="chengdu-2024").count() == 2
    assert PolicyProfile.objects.get(key="chengdu-2024", version=1).parameters == {
        "merged_plan.max_total_investment": "10000000.00"}


@pytest.mark.django_db
def test_overlapping_effective_dates_for_one_jurisdiction_are_refused(sysadmin):
    save_profile(CITY, actor=sysadmin)
    with pytest.raises(ParameterError, match="生效期与已有配置“成都市办法”"):
        save_profile({**CITY, "key": "chengdu-other", "effective_from": "2025-06-01"}, actor=sysadmin)


@pytest.mark.django_db
def test_load_profile_command_validates_the_file(tmp_path, sysadmin):
    good = tmp_path / "city.yaml"
    good.write_text('key: mianyang-2025\nname: 绵阳市办法\njurisdiction: "510700"\nparent_jurisdiction: "510000"\n'
                    'effective_from: 2025-01-01\nparameters:\n  trial_run.months: 6\n', encoding="utf-8")
    call_command("load_profile", str(good))
    assert resolve_for("510700", date(2026, 1, 1)).value("trial_run.months") == 6
    bad = tmp_path / "bad.yaml"
    bad.write_text('key: x\nname: x\njurisdiction: "510800"\nparent_jurisdiction: "510000"\n'
                   'effective_from: 2025-01-01\nparameters:\n  trial_run.weeks: 6\n', encoding="utf-8")
    with pytest.raises(CommandError, match="未知参数：trial_run.weeks"):
        call_command("load_profile", str(bad))


@pytest.mark.django_db
def test_administrator_adds_a_city_profile_in_the_ui(client_for, sysadmin, filer_a):
    import yaml

    page = client_for(sysadmin).post("/policy/new/", {"document": yaml.safe_dump(CITY, allow_unicode=True)})
    assert page.status_code == 302
    detail = client_for(sysadmin).get(page["Location"]).content.decode()
    assert "成都市办法" in detail and "第十八条第二款第三项" in detail
    refused = client_for(sysadmin).post("/policy/new/", {"document": "key: x\nname: y\n"})
    assert "配置文件缺少必填字段：jurisdiction" in refused.content.decode()
    assert client_for(filer_a).get("/policy/new/").status_code == 403

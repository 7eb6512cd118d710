"""第六章 招标投标和政府采购管理 (rules/ch06_procurement.py).

Expected scores are computed by hand in the comments: price score = lowest valid ÷ bid × 100,
rounded half up to 2 decimals; total = Σ score × weight ÷ 100, rounded half up once.
"""

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest

from rules.ch06_procurement import (
    Bid,
    ContractPeriod,
    Criterion,
    OmServiceProcurementFacts,
    ProcurementCategory,
    ProcurementFacts,
    ProcurementMethod,
    ScoringMethod,
    ScoringScheme,
    category_determined,
    classified_procurement,
    comprehensive_scoring_required,
    effective_category,
    evaluate_bids,
    is_self_procurement,
    om_service_term,
    procurement_method_allowed,
    required_price_weight,
    scoring_scheme_valid,
    self_procurement,
)
from rules.findings import Outcome
from rules.testing import city_profile, province_profile

GOODS_SCHEME = ScoringScheme(D("30"), (Criterion("技术", D("50")), Criterion("商务", D("20"))))
SERVICES_SCHEME = ScoringScheme(D("10"), (Criterion("技术", D("60")), Criterion("商务", D("30"))))


def tender(category=ProcurementCategory.GOODS, scheme=GOODS_SCHEME, **overrides) -> ProcurementFacts:
    facts = ProcurementFacts(ProcurementMethod.OPEN_TENDER, category, scoring_method=ScoringMethod.COMPREHENSIVE,
                             scheme=scheme)
    return replace(facts, **overrides)


# --- 评标 ---------------------------------------------------------------------------------------

def test_goods_bid_evaluation_excludes_an_invalid_bid_from_the_lowest_price():
    bids = (
        Bid("甲公司", D("1000000.00"), {"技术": D("80"), "商务": D("90")}),
        Bid("乙公司", D("1200000.00"), {"技术": D("95"), "商务": D("85")}),
        Bid("丙公司", D("800000.00"), {"技术": D("99"), "商务": D("99")}, valid=False, invalid_reason="资格证明不全"),
        Bid("丁公司", D("1250000.00"), {"技术": D("90"), "商务": D("80")}),
    )
    evaluation = evaluate_bids(tender(), bids, province_profile())
    # The invalid 800,000 bid does not set the lowest price: 1,000,000 does.
    assert evaluation.lowest_valid_price == D("1000000.00")
    table = [(r.bidder, r.price_score, r.total, r.rank, r.tied) for r in evaluation.results]
    assert table == [
        # 乙: 1,000,000/1,200,000×100 = 83.333… → 83.33; 83.33×0.3 + 95×0.5 + 85×0.2 = 24.999 + 47.5 + 17 = 89.499 → 89.50
        ("乙公司", D("83.33"), D("89.50"), 1, False),
        # 甲: 100.00; 30 + 80×0.5 + 90×0.2 = 30 + 40 + 18 = 88.00
        ("甲公司", D("100.00"), D("88.00"), 2, False),
        # 丁: 1,000,000/1,250,000×100 = 80.00; 24 + 45 + 16 = 85.00
        ("丁公司", D("80.00"), D("85.00"), 3, False),
        ("丙公司", None, None, None, False),
    ]
    assert evaluation.results[3].invalid_reason == "资格证明不全" and not evaluation.results[3].valid
    assert evaluation.results[0].weighted_scores == (("价格", D("25.00")), ("技术", D("47.50")), ("商务", D("17.00")))
    assert (evaluation.finding.outcome, evaluation.finding.citation.label) == (Outcome.PASS, "第三十九条第二款")
    assert evaluation.finding.message == "共 3 家有效投标，最低有效报价 1,000,000.00 元，第一名“乙公司”综合得分 89.50。"
    assert [r.bidder for r in evaluation.ranked] == ["乙公司", "甲公司", "丁公司"]


def test_services_bid_evaluation_with_a_tie_and_half_up_rounding():
    bids = (
        Bid("E", D("133000.00"), {"技术": D("70"), "商务": D("80")}),
        Bid("F", D("160000.00"), {"技术": D("80"), "商务": D("80")}),
        Bid("H", D("190000.00"), {"技术": D("75"), "商务": D("80")}),
        Bid("I", D("200000.00"), {"技术": D("70"), "商务": D("70")}),
    )
    evaluation = evaluate_bids(tender(ProcurementCategory.SERVICES, SERVICES_SCHEME), bids, province_profile())
    table = [(r.bidder, r.price_score, r.total, r.rank, r.tied) for r in evaluation.results]
    assert table == [
        # F: 133/160×100 = 83.125 → 83.13 (half up, not 83.12); 8.313 + 48 + 24 = 80.313 → 80.31
        ("F", D("83.13"), D("80.31"), 1, False),
        # E: 100.00 → 10 + 42 + 24 = 76.00
        ("E", D("100.00"), D("76.00"), 2, True),
        # H: 133/190×100 = 70.00 → 7 + 45 + 24 = 76.00: tied with E, listed after the lower price
        ("H", D("70.00"), D("76.00"), 2, True),
        # I: 133/200×100 = 66.50 → 6.65 + 42 + 21 = 69.65; fourth, not third (1, 2, 2, 4)
        ("I", D("66.50"), D("69.65"), 4, False),
    ]
    assert evaluation.finding.message.endswith("第一名“F”综合得分 80.31；第2名并列。")


def test_a_scheme_with_the_wrong_price_weight_is_refused_and_nothing_is_scored():
    scheme = ScoringScheme(D("20"), (Criterion("技术", D("60")), Criterion("商务", D("20"))))
    evaluation = evaluate_bids(tender(scheme=scheme), (Bid("甲", D("1"), {"技术": D("1"), "商务": D("1")}),),
                               province_profile())
    assert evaluation.results == ()
    assert (evaluation.finding.outcome, evaluation.finding.citation.label) == (Outcome.BLOCK, "第三十九条第二款")
    assert evaluation.finding.message == ("评分办法不予采用：采购货物的，价格分值占总分值比重应当为 30.00%，"
                                          "本评分办法为 20.00%。请按 30.00% 修改价格分值。")


@pytest.mark.parametrize(("price_weight", "outcome"), [(D("10.00"), Outcome.PASS), (D("10.01"), Outcome.BLOCK),
                                                       (D("9.99"), Outcome.BLOCK), (D("30.00"), Outcome.BLOCK)])
def test_services_price_weight_is_exactly_ten_percent(price_weight, outcome):
    scheme = ScoringScheme(price_weight, (Criterion("技术", D("100") - price_weight),))
    assert scoring_scheme_valid(tender(ProcurementCategory.SERVICES, scheme), province_profile()).outcome == outcome


def test_price_weight_is_a_share_of_the_total_score():
    # 15 of 50 points is 30 % of the total.
    scheme = ScoringScheme(D("15"), (Criterion("技术", D("35")),))
    assert scoring_scheme_valid(tender(scheme=scheme), province_profile()).outcome == Outcome.PASS


def test_price_weight_is_read_from_the_profile():
    profile = city_profile({"procurement.price_weight_services_percent": "15.00"})
    assert required_price_weight(tender(ProcurementCategory.SERVICES), profile) == D("15.00")
    refused = scoring_scheme_valid(tender(ProcurementCategory.SERVICES, SERVICES_SCHEME), profile)
    assert refused.outcome == Outcome.BLOCK and "应当为 15.00%" in refused.message


def test_single_source_has_no_price_weight():
    facts = tender(method=ProcurementMethod.SINGLE_SOURCE, scheme=ScoringScheme(D("50"), (Criterion("技术", D("50")),)))
    assert required_price_weight(facts, province_profile()) is None
    finding = scoring_scheme_valid(facts, province_profile())
    assert finding.outcome == Outcome.PASS and finding.message == "单一来源采购不适用价格分值比重的规定。"
    assert evaluate_bids(facts, (), province_profile()).finding.outcome == Outcome.BLOCK


def test_no_valid_bid_and_malformed_scores():
    evaluation = evaluate_bids(tender(), (Bid("甲", D("1"), valid=False),), province_profile())
    assert evaluation.finding.message == "没有有效投标，不能评审。"
    with pytest.raises(ValueError, match="缺少评分因素得分：商务"):
        evaluate_bids(tender(), (Bid("甲", D("1"), {"技术": D("1")}),), province_profile())
    with pytest.raises(ValueError, match="报价必须大于零"):
        evaluate_bids(tender(), (Bid("甲", D("0"), {"技术": D("1"), "商务": D("1")}),), province_profile())


def test_weights_must_add_up_to_one_hundred_to_score_bids():
    scheme = ScoringScheme(D("15"), (Criterion("技术", D("35")),))
    evaluation = evaluate_bids(tender(scheme=scheme), (), province_profile())
    assert evaluation.finding.message == "各评分因素分值合计应为 100，本评分办法合计 50。"


# --- 项目属性 -------------------------------------------------------------------------------------

def test_undetermined_category_must_be_fixed_by_the_purchaser_with_a_reason():
    facts = tender(ProcurementCategory.UNDETERMINED)
    finding = category_determined(facts)
    assert (finding.outcome, finding.citation.label) == (Outcome.BLOCK, "第三十九条第二款")
    assert "请选定“货物”或“服务”并填写理由" in finding.message
    assert scoring_scheme_valid(facts, province_profile()).outcome == Outcome.BLOCK
    no_reason = replace(facts, determined_category=ProcurementCategory.GOODS)
    assert effective_category(no_reason) is None
    fixed = replace(no_reason, category_reason="以硬件设备为主")
    assert effective_category(fixed) == ProcurementCategory.GOODS
    assert category_determined(fixed).message == "采购人按照有利于项目实施的原则确定项目属性为货物：以硬件设备为主"
    assert scoring_scheme_valid(fixed, province_profile()).outcome == Outcome.PASS


# --- 方式 ---------------------------------------------------------------------------------------

def test_tenders_must_use_comprehensive_scoring():
    bad = comprehensive_scoring_required(tender(scoring_method=ScoringMethod.LOWEST_PRICE))
    assert (bad.outcome, bad.citation.label) == (Outcome.BLOCK, "第三十九条第二款")
    assert bad.message == "采用公开招标方式采购的，应当采用综合评分法：请改用综合评分法并填写评分办法。"
    assert comprehensive_scoring_required(tender(method=ProcurementMethod.INVITED_TENDER, scheme=None)).blocks
    assert comprehensive_scoring_required(tender()).outcome == Outcome.PASS
    consultation = tender(method=ProcurementMethod.COMPETITIVE_CONSULTATION, scoring_method=None, scheme=None)
    assert comprehensive_scoring_required(consultation).outcome == Outcome.PASS


@pytest.mark.parametrize(("overrides", "outcome", "label"), [
    ({"method": ProcurementMethod.OPEN_TENDER}, Outcome.PASS, "第三十九条第一款"),
    ({"method": ProcurementMethod.COMPETITIVE_CONSULTATION}, Outcome.PASS, "第三十九条第一款"),
    ({"method": ProcurementMethod.SINGLE_SOURCE}, Outcome.PASS, "第三十九条第一款"),
    ({"method": ProcurementMethod.COMPETITIVE_NEGOTIATION}, Outcome.NEEDS_JUSTIFICATION, "第三十九条第一款"),
    ({"method": ProcurementMethod.INQUIRY}, Outcome.NEEDS_JUSTIFICATION, "第三十九条第一款"),
    ({"method": ProcurementMethod.INQUIRY, "in_central_catalogue": False, "below_threshold": True},
     Outcome.PASS, "第四十三条"),
    ({"method": ProcurementMethod.INQUIRY, "classified": True}, Outcome.PASS, "第四十一条"),
    ({"method": ProcurementMethod.COMPETITIVE_CONSULTATION, "works_requiring_tender": True}, Outcome.BLOCK, "第四十条"),
    ({"method": ProcurementMethod.INVITED_TENDER, "works_requiring_tender": True}, Outcome.PASS, "第四十条"),
])
def test_procurement_method_and_its_named_exceptions(overrides, outcome, label):
    finding = procurement_method_allowed(tender(**overrides))
    assert (finding.outcome, finding.citation.label) == (outcome, label)


def test_negotiation_message_says_what_to_do():
    finding = procurement_method_allowed(tender(method=ProcurementMethod.COMPETITIVE_NEGOTIATION))
    assert finding.message == ("第三十九条第一款列明的方式为公开招标、邀请招标、竞争性磋商和单一来源采购，不含竞争性谈判："
                               "请说明采用竞争性谈判的法定依据，由财政厅审核。")


def test_self_procurement_needs_both_outside_catalogue_and_below_threshold():
    assert not is_self_procurement(tender(below_threshold=True))
    assert not is_self_procurement(tender(in_central_catalogue=False))
    facts = tender(in_central_catalogue=False, below_threshold=True)
    assert is_self_procurement(facts)
    finding = self_procurement(facts)
    assert finding.citation.label == "第四十三条" and "由项目单位根据项目建设运维管理要求自行组织采购" in finding.message


def test_classified_procurement_is_marked():
    finding = classified_procurement(tender(classified=True))
    assert (finding.citation.label, finding.evidence["涉密采购"]) == ("第四十一条", True)
    assert "按照国家和我省涉密政府采购管理有关规定执行" in finding.message
    assert classified_procurement(tender()).message == "不属于涉密政府采购。"


# --- 第四十二条 ---------------------------------------------------------------------------------

def test_om_service_term_at_most_three_years():
    profile = province_profile()
    at = om_service_term(OmServiceProcurementFacts(date(2026, 1, 1), date(2028, 12, 31)), profile)
    assert (at[0].outcome, at[0].citation.label) == (Outcome.PASS, "第四十二条")
    over = om_service_term(OmServiceProcurementFacts(date(2026, 1, 1), date(2029, 1, 1)), profile)
    assert over[0].outcome == Outcome.BLOCK
    assert over[0].message == "运维服务履行期限超过 3 年：自 2026-01-01 起最长至 2028-12-31，请缩短服务期或分次采购。"
    # Starting 1 March 2025, three years end on 29 February 2028 (a leap day).
    leap = OmServiceProcurementFacts(date(2025, 3, 1), date(2028, 2, 29))
    assert om_service_term(leap, profile)[0].outcome == Outcome.PASS
    assert om_service_term(replace(leap, last_day=date(2028, 3, 1)), profile)[0].outcome == Outcome.BLOCK


def test_om_service_term_from_the_profile_and_budget_precondition():
    two_years = city_profile({"om_service.max_term_years": 2})
    assert om_service_term(OmServiceProcurementFacts(date(2026, 1, 1), date(2028, 12, 31)), two_years)[0].blocks
    unsecured = OmServiceProcurementFacts(date(2026, 1, 1), date(2027, 12, 31), annual_budget_secured=False)
    assert "须以年度预算能够保障为前提" in om_service_term(unsecured, province_profile())[0].message
    one_year = replace(unsecured, last_day=date(2026, 12, 31))
    assert om_service_term(one_year, province_profile())[0].outcome == Outcome.PASS


def test_om_contracts_are_signed_year_by_year():
    yearly = OmServiceProcurementFacts(date(2026, 7, 1), date(2028, 6, 30), (
        ContractPeriod(date(2026, 7, 1), date(2027, 6, 30)), ContractPeriod(date(2027, 7, 1), date(2028, 6, 30))))
    assert om_service_term(yearly, province_profile())[1].outcome == Outcome.PASS
    long = replace(yearly, contracts=(ContractPeriod(date(2026, 7, 1), date(2027, 7, 1)),))
    finding = om_service_term(long, province_profile())[1]
    assert (finding.outcome, finding.citation.label) == (Outcome.BLOCK, "第四十二条")
    assert finding.message == "运维服务应分年签订政府采购合同，以下合同期限超过一年：2026-07-01 至 2027-07-01。"

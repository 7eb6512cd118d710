"""第六章 招标投标和政府采购管理 (第三十九条–第四十三条).

Bid evaluation follows 第三十九条第二款 and the issue's formula: each valid bid's price score is
(lowest valid bid ÷ that bid) × 100, rounded half up to two decimals (the score that is shown);
the total is Σ score × weight ÷ 100 over the price and the other criteria, rounded half up to two
decimals once; bids are ranked by that shown total and equal totals share a rank (1, 1, 3). Within
a tie the lower price is listed first (财政部令第87号第六十五条 puts the lower price first; the platform
shows the tie and leaves the decision to the evaluation committee).

Not formalised: 第四十条's procedures under 《招标投标法》 (only the requirement to tender is checked),
and the contents of the classified-procurement rules of 第四十一条 (the procurement is only marked).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from .findings import Citation, Finding, Outcome
from .periods import months_later
from .profile import Profile

CENT = Decimal("0.01")
HUNDRED = Decimal("100")


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class ProcurementMethod(StrEnum):
    OPEN_TENDER = "open_tender"
    INVITED_TENDER = "invited_tender"
    COMPETITIVE_CONSULTATION = "competitive_consultation"
    COMPETITIVE_NEGOTIATION = "competitive_negotiation"
    INQUIRY = "inquiry"
    SINGLE_SOURCE = "single_source"


METHOD_LABELS = {
    ProcurementMethod.OPEN_TENDER: "公开招标", ProcurementMethod.INVITED_TENDER: "邀请招标",
    ProcurementMethod.COMPETITIVE_CONSULTATION: "竞争性磋商", ProcurementMethod.COMPETITIVE_NEGOTIATION: "竞争性谈判",
    ProcurementMethod.INQUIRY: "询价", ProcurementMethod.SINGLE_SOURCE: "单一来源采购",
}
# 第三十九条第一款 names four methods.
ARTICLE_39_METHODS = frozenset({ProcurementMethod.OPEN_TENDER, ProcurementMethod.INVITED_TENDER,
                                ProcurementMethod.COMPETITIVE_CONSULTATION, ProcurementMethod.SINGLE_SOURCE})
TENDER_METHODS = frozenset({ProcurementMethod.OPEN_TENDER, ProcurementMethod.INVITED_TENDER})


class ProcurementCategory(StrEnum):
    GOODS = "goods"
    SERVICES = "services"
    UNDETERMINED = "undetermined"  # 无法确定属于货物或者服务


CATEGORY_LABELS = {ProcurementCategory.GOODS: "货物", ProcurementCategory.SERVICES: "服务",
                   ProcurementCategory.UNDETERMINED: "无法确定"}


class ScoringMethod(StrEnum):
    COMPREHENSIVE = "comprehensive"  # 综合评分法
    LOWEST_PRICE = "lowest_price"  # 最低评标价法 / 最低价成交


@dataclass(frozen=True)
class Criterion:
    name: str
    weight: Decimal  # 占总分值的百分比


@dataclass(frozen=True)
class ScoringScheme:
    """综合评分法的评分办法：价格分值比重和其他评分因素，各项比重合计 100。"""

    price_weight: Decimal
    criteria: tuple[Criterion, ...] = ()

    @property
    def total_weight(self) -> Decimal:
        return self.price_weight + sum((c.weight for c in self.criteria), Decimal("0"))


@dataclass(frozen=True)
class ProcurementFacts:
    method: ProcurementMethod
    category: ProcurementCategory
    determined_category: ProcurementCategory | None = None  # 采购人确定的项目属性（无法确定时）
    category_reason: str = ""  # 确定项目属性的理由
    scoring_method: ScoringMethod | None = None
    scheme: ScoringScheme | None = None
    classified: bool = False  # 涉密政府采购
    in_central_catalogue: bool = True  # 属于集中采购目录
    below_threshold: bool = False  # 低于采购限额标准
    works_requiring_tender: bool = False  # 涉及依法必须招标的工程建设


def is_self_procurement(facts: ProcurementFacts) -> bool:
    """第四十三条：“集中采购目录以外且采购限额标准以下的政务信息化项目，由项目单位……自行组织相关采购工作。”"""
    return not facts.in_central_catalogue and facts.below_threshold


def self_procurement(facts: ProcurementFacts) -> Finding:
    """第四十三条 as a flag on the procurement record."""
    evidence = {"属于集中采购目录": facts.in_central_catalogue, "低于采购限额标准": facts.below_threshold}
    if is_self_procurement(facts):
        return Finding("self_procurement", Outcome.PASS,
                       "集中采购目录以外且采购限额标准以下：由项目单位根据项目建设运维管理要求自行组织采购。",
                       Citation(43), evidence)
    return Finding("self_procurement", Outcome.PASS,
                   "属于集中采购目录或达到采购限额标准：按政府采购规定的方式和程序采购。", Citation(43), evidence)


def classified_procurement(facts: ProcurementFacts) -> Finding:
    """第四十一条：“属于涉密政府采购的政务信息化项目，按照国家和我省涉密政府采购管理有关规定执行。”
    (also 第二十六条第二款：“招标采购涉密信息系统的，应执行保密有关法律法规规定。”)"""
    evidence = {"涉密采购": facts.classified}
    if facts.classified:
        return Finding("classified_procurement", Outcome.PASS,
                       "属于涉密政府采购：按照国家和我省涉密政府采购管理有关规定执行，采购信息不对外公开、不纳入公开导出。",
                       Citation(41), evidence)
    return Finding("classified_procurement", Outcome.PASS, "不属于涉密政府采购。", Citation(41), evidence)


def procurement_method_allowed(facts: ProcurementFacts) -> Finding:
    """第三十九条第一款：“属于政府采购的政务信息系统，应当按照政府采购规定的公开招标、邀请招标、竞争性磋商或者
    单一来源采购方式和采购程序进行采购。”

    Named exceptions, in order:
    1. 第四十条: works that must be tendered under 《招标投标法》 — only 公开招标 or 邀请招标;
    2. 第四十一条: classified procurement follows the classified-procurement rules;
    3. 第四十三条: below-threshold procurement outside the central catalogue is organised by the unit;
    then the general rule; 竞争性谈判 and 询价, which the article does not list, need a justification.
    """
    label = METHOD_LABELS[facts.method]
    evidence = {"采购方式": label, "涉密": facts.classified, "自行采购": is_self_procurement(facts),
                "依法必须招标的工程": facts.works_requiring_tender}
    if facts.works_requiring_tender:
        if facts.method in TENDER_METHODS:
            return Finding("procurement_method_allowed", Outcome.PASS,
                           f"依法必须招标的工程建设采用{label}。", Citation(40), evidence)
        return Finding("procurement_method_allowed", Outcome.BLOCK,
                       f"涉及工程建设依法应当招标：不能采用{label}，请按《中华人民共和国招标投标法》及其实施条例"
                       f"采用公开招标或邀请招标。", Citation(40), evidence)
    if facts.classified:
        return Finding("procurement_method_allowed", Outcome.PASS,
                       f"涉密政府采购按涉密政府采购管理有关规定确定采购方式（{label}）。", Citation(41), evidence)
    if is_self_procurement(facts):
        return Finding("procurement_method_allowed", Outcome.PASS,
                       f"集中采购目录以外且采购限额标准以下，由项目单位自行组织采购（{label}）。", Citation(43), evidence)
    if facts.method in ARTICLE_39_METHODS:
        return Finding("procurement_method_allowed", Outcome.PASS, f"采用{label}方式。",
                       Citation(39, paragraph=1), evidence)
    return Finding("procurement_method_allowed", Outcome.NEEDS_JUSTIFICATION,
                   f"第三十九条第一款列明的方式为公开招标、邀请招标、竞争性磋商和单一来源采购，不含{label}："
                   f"请说明采用{label}的法定依据，由财政厅审核。", Citation(39, paragraph=1), evidence)


def effective_category(facts: ProcurementFacts) -> ProcurementCategory | None:
    """The project's category: as declared, or as fixed by the purchaser when undetermined (with a reason)."""
    if facts.category != ProcurementCategory.UNDETERMINED:
        return facts.category
    if facts.determined_category in (ProcurementCategory.GOODS, ProcurementCategory.SERVICES) \
            and facts.category_reason.strip():
        return facts.determined_category
    return None


def category_determined(facts: ProcurementFacts) -> Finding:
    """第三十九条第二款：“无法确定属于货物或者服务的，由采购人按照有利于项目实施的原则确定项目属性。”"""
    category = effective_category(facts)
    evidence = {"项目属性": CATEGORY_LABELS[facts.category],
                "采购人确定的属性": CATEGORY_LABELS[facts.determined_category] if facts.determined_category else None,
                "理由": facts.category_reason}
    citation = Citation(39, paragraph=2)
    if category is None:
        return Finding("category_determined", Outcome.BLOCK,
                       "无法确定属于货物或者服务的，由采购人按照有利于项目实施的原则确定项目属性："
                       "请选定“货物”或“服务”并填写理由。", citation, evidence)
    if facts.category == ProcurementCategory.UNDETERMINED:
        return Finding("category_determined", Outcome.PASS,
                       f"采购人按照有利于项目实施的原则确定项目属性为{CATEGORY_LABELS[category]}：{facts.category_reason}",
                       citation, evidence)
    return Finding("category_determined", Outcome.PASS, f"项目属性为{CATEGORY_LABELS[category]}。", citation, evidence)


def comprehensive_scoring_required(facts: ProcurementFacts) -> Finding:
    """第三十九条第二款：“采用公开招标或者邀请招标方式采购的，应当采用综合评分法。”"""
    label = METHOD_LABELS[facts.method]
    evidence = {"采购方式": label, "评审方法": str(facts.scoring_method) if facts.scoring_method else None}
    citation = Citation(39, paragraph=2)
    if facts.method not in TENDER_METHODS:
        return Finding("comprehensive_scoring_required", Outcome.PASS,
                       f"{label}不强制采用综合评分法。", citation, evidence)
    if facts.scoring_method != ScoringMethod.COMPREHENSIVE or facts.scheme is None:
        return Finding("comprehensive_scoring_required", Outcome.BLOCK,
                       f"采用{label}方式采购的，应当采用综合评分法：请改用综合评分法并填写评分办法。", citation, evidence)
    return Finding("comprehensive_scoring_required", Outcome.PASS, f"{label}采用综合评分法。", citation, evidence)


def required_price_weight(facts: ProcurementFacts, profile: Profile) -> Decimal | None:
    """The price weight the profile requires, or None for single source (or an undetermined category)."""
    if facts.method == ProcurementMethod.SINGLE_SOURCE:
        return None
    category = effective_category(facts)
    if category == ProcurementCategory.GOODS:
        return profile.value("procurement.price_weight_goods_percent")
    if category == ProcurementCategory.SERVICES:
        return profile.value("procurement.price_weight_services_percent")
    return None


def scoring_scheme_valid(facts: ProcurementFacts, profile: Profile) -> Finding:
    """第三十九条第二款：“除单一来源采购方式外，政务信息系统采购货物的，价格分值占总分值比重应当为 30%；采购服务的，
    价格分值占总分值比重应当为 10%。” The percentages are the profile's; the share is compared exactly."""
    citation = Citation(39, paragraph=2)
    names = ("procurement.price_weight_goods_percent", "procurement.price_weight_services_percent")
    evidence = {"采购方式": METHOD_LABELS[facts.method], **profile.evidence(*names)}
    scheme = facts.scheme
    if scheme is None:
        return Finding("scoring_scheme_valid", Outcome.PASS, "未采用综合评分法，无需核对价格分值比重。", citation, evidence)
    evidence.update({"价格分值": scheme.price_weight, "总分值": scheme.total_weight,
                     "评分因素": {c.name: c.weight for c in scheme.criteria}})
    if facts.method == ProcurementMethod.SINGLE_SOURCE:
        return Finding("scoring_scheme_valid", Outcome.PASS, "单一来源采购不适用价格分值比重的规定。", citation, evidence)
    category = effective_category(facts)
    if category is None:
        return Finding("scoring_scheme_valid", Outcome.BLOCK,
                       "评分办法不能确定价格分值比重：请先由采购人确定项目属于货物还是服务，并填写理由。",
                       citation, evidence)
    if scheme.total_weight <= 0 or scheme.price_weight < 0 or any(c.weight < 0 for c in scheme.criteria):
        return Finding("scoring_scheme_valid", Outcome.BLOCK, "评分办法的分值必须为非负数且总分值大于零。",
                       citation, evidence)
    required = required_price_weight(facts, profile)
    share = scheme.price_weight * HUNDRED / scheme.total_weight
    evidence.update({"价格分值占总分值比重": share, "应为": required})
    if share != required:
        return Finding("scoring_scheme_valid", Outcome.BLOCK,
                       f"评分办法不予采用：采购{CATEGORY_LABELS[category]}的，价格分值占总分值比重应当为 {required}%，"
                       f"本评分办法为 {_round(share)}%。请按 {required}% 修改价格分值。", citation, evidence)
    return Finding("scoring_scheme_valid", Outcome.PASS,
                   f"价格分值占总分值比重为 {required}%，符合采购{CATEGORY_LABELS[category]}的规定。", citation, evidence)


# ---------------------------------------------------------------------------
# 评标：价格分、综合得分、排名
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Bid:
    bidder: str
    price: Decimal
    scores: Mapping[str, Decimal] = field(default_factory=dict)  # 其他评分因素得分（0–100），按因素名称
    valid: bool = True
    invalid_reason: str = ""


@dataclass(frozen=True)
class BidResult:
    bidder: str
    price: Decimal
    valid: bool
    invalid_reason: str = ""
    price_score: Decimal | None = None  # 价格得分（满分 100），两位小数
    weighted_scores: tuple[tuple[str, Decimal], ...] = ()  # (因素, 加权得分)，两位小数，仅供展示
    total: Decimal | None = None  # 综合得分，两位小数
    rank: int | None = None
    tied: bool = False


@dataclass(frozen=True)
class BidEvaluation:
    finding: Finding
    lowest_valid_price: Decimal | None = None
    results: tuple[BidResult, ...] = ()  # 有效投标按名次，其后为无效投标

    @property
    def ranked(self) -> tuple[BidResult, ...]:
        return tuple(r for r in self.results if r.valid)


def evaluate_bids(facts: ProcurementFacts, bids: tuple[Bid, ...], profile: Profile) -> BidEvaluation:
    """综合评分法评标（第三十九条第二款）。The scheme is checked first; a refused scheme evaluates nothing."""
    citation = Citation(39, paragraph=2)
    scheme_finding = scoring_scheme_valid(facts, profile)
    if scheme_finding.blocks:
        return BidEvaluation(scheme_finding)
    scheme = facts.scheme
    if scheme is None or facts.method == ProcurementMethod.SINGLE_SOURCE:
        return BidEvaluation(Finding("evaluate_bids", Outcome.BLOCK,
                                     "只有采用综合评分法（单一来源采购除外）的采购才能按本办法计算综合得分。", citation))
    if scheme.total_weight != HUNDRED:
        return BidEvaluation(Finding("evaluate_bids", Outcome.BLOCK,
                                     f"各评分因素分值合计应为 100，本评分办法合计 {scheme.total_weight}。", citation))
    for bid in bids:
        if bid.price <= 0:
            raise ValueError(f"投标人“{bid.bidder}”的报价必须大于零")
        if bid.valid:
            missing = [c.name for c in scheme.criteria if c.name not in bid.scores]
            if missing:
                raise ValueError(f"投标人“{bid.bidder}”缺少评分因素得分：{'、'.join(missing)}")
            out_of_range = [n for n, s in bid.scores.items() if not 0 <= s <= HUNDRED]
            if out_of_range:
                raise ValueError(f"投标人“{bid.bidder}”的得分应在 0 至 100 之间：{'、'.join(out_of_range)}")
    valid = [b for b in bids if b.valid]
    if not valid:
        return BidEvaluation(Finding("evaluate_bids", Outcome.BLOCK, "没有有效投标，不能评审。", citation,
                                     {"无效投标": [b.bidder for b in bids]}))
    lowest = min(b.price for b in valid)
    scored = []
    for bid in valid:
        price_score = _round(lowest / bid.price * HUNDRED)
        exact = price_score * scheme.price_weight / HUNDRED
        weighted = [("价格", _round(exact))]
        for c in scheme.criteria:
            product = bid.scores[c.name] * c.weight / HUNDRED
            exact += product
            weighted.append((c.name, _round(product)))
        scored.append((bid, price_score, tuple(weighted), _round(exact)))
    scored.sort(key=lambda s: (-s[3], s[0].price, s[0].bidder))
    totals = [s[3] for s in scored]
    results = []
    for bid, price_score, weighted, total in scored:
        rank = totals.index(total) + 1
        results.append(BidResult(bid.bidder, bid.price, True, "", price_score, weighted, total, rank,
                                 totals.count(total) > 1))
    results.extend(BidResult(b.bidder, b.price, False, b.invalid_reason or "无效投标") for b in bids if not b.valid)
    tied = sorted({r.rank for r in results if r.tied})
    tie_text = ("；" + "、".join(f"第{t}名并列" for t in tied)) if tied else ""
    evidence = {"最低有效报价": lowest, "价格分值": scheme.price_weight,
                "排名": [{"投标人": r.bidder, "报价": r.price, "价格得分": r.price_score, "综合得分": r.total,
                          "名次": r.rank} for r in results if r.valid],
                "无效投标": [r.bidder for r in results if not r.valid]}
    finding = Finding("evaluate_bids", Outcome.PASS,
                      f"共 {len(valid)} 家有效投标，最低有效报价 {lowest:,.2f} 元，"
                      f"第一名“{results[0].bidder}”综合得分 {results[0].total}{tie_text}。", citation, evidence)
    return BidEvaluation(finding, lowest, tuple(results))


# ---------------------------------------------------------------------------
# 第四十二条 运维服务采购期限
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ContractPeriod:
    first_day: date
    last_day: date


@dataclass(frozen=True)
class OmServiceProcurementFacts:
    first_day: date  # 服务期首日
    last_day: date  # 服务期末日
    contracts: tuple[ContractPeriod, ...] = ()
    annual_budget_secured: bool = True  # 年度预算能够保障


def _last_day_of_term(first_day: date, months: int) -> date:
    # A service term begins with its whole first day, so it ends the day before the corresponding day.
    return months_later(first_day, months) - timedelta(days=1)


def om_service_term(facts: OmServiceProcurementFacts, profile: Profile) -> list[Finding]:
    """第四十二条：“政府采购政务信息系统运行维护服务项目，在年度预算能够保障的前提下，可以采购不超过三年履行期限
    的服务，分年签订政府采购合同。” The longest term is the profile's ``om_service.max_term_years``."""
    citation = Citation(42)
    years = profile.value("om_service.max_term_years")
    latest = _last_day_of_term(facts.first_day, years * 12)
    evidence = {"服务期": [facts.first_day, facts.last_day], "最长可至": latest,
                "合同": [[c.first_day, c.last_day] for c in facts.contracts], **profile.evidence("om_service.max_term_years")}
    findings = []
    if facts.last_day > latest:
        findings.append(Finding("om_service_term", Outcome.BLOCK,
                                f"运维服务履行期限超过 {years} 年：自 {facts.first_day} 起最长至 {latest}，"
                                f"请缩短服务期或分次采购。", citation, evidence))
    elif not facts.annual_budget_secured and facts.last_day > _last_day_of_term(facts.first_day, 12):
        findings.append(Finding("om_service_term", Outcome.BLOCK,
                                "采购多年期运维服务须以年度预算能够保障为前提：请先落实年度预算或只采购一年。",
                                citation, evidence))
    else:
        findings.append(Finding("om_service_term", Outcome.PASS,
                                f"运维服务履行期限 {facts.first_day} 至 {facts.last_day}，不超过 {years} 年。",
                                citation, evidence))
    long_contracts = [c for c in facts.contracts if c.last_day > _last_day_of_term(c.first_day, 12)]
    if long_contracts:
        spans = "、".join(f"{c.first_day} 至 {c.last_day}" for c in long_contracts)
        findings.append(Finding("om_contracts_yearly", Outcome.BLOCK,
                                f"运维服务应分年签订政府采购合同，以下合同期限超过一年：{spans}。", citation, evidence))
    else:
        findings.append(Finding("om_contracts_yearly", Outcome.PASS, "政府采购合同按年签订。", citation, evidence))
    return findings

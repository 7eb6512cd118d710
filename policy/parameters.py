"""The parameters a policy profile may set: type, unit, meaning and citation.

This module is pure Python (no Django). The provincial 2021 values live in
``policy/profiles/sichuan-province-2021.yaml``; a rule never writes a number
that belongs here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from rules.findings import Citation

# Bodies named by the measures (第五条, 第二十二条); the identifiers are the GLOSSARY's.
BODY_KINDS: dict[str, str] = {
    "leading_group": "省政府信息化建设领导小组",
    "leading_group_office": "领导小组办公室（省政府办公厅）",
    "drc": "省发展改革委",
    "finance": "财政厅",
    "big_data_center": "省大数据中心",
    "cyberspace_office": "省委网信办",
    "secrecy_bureau": "省国家保密局",
    "cryptography_bureau": "省密码管理局",
    "economy_it_department": "经济和信息化厅",
    "public_security": "公安厅",
    "audit_office": "审计厅",
}

ESCALATION_STEPS: dict[str, str] = {
    "notice_of_criticism": "通报批评",
    "defer_investment_plan": "暂缓安排投资计划",
    "suspend_construction": "暂停项目建设",
    "terminate_project": "终止项目",
}


class ParameterError(ValueError):
    """A profile value that does not fit its parameter; the message is shown to administrators."""


@dataclass(frozen=True)
class ParameterSpec:
    name: str
    kind: str  # money | percent | ratio | count | bool | bodies | steps | choice | month_day
    label: str
    citation: Citation
    unit: str = ""
    choices: tuple[str, ...] = ()

    def coerce(self, value: Any) -> Any:
        """Turn a YAML/JSON value into the parameter's type, or raise ParameterError in Chinese."""
        where = f"参数 {self.name}（{self.label}）"
        if self.kind in ("money", "percent", "ratio"):
            if isinstance(value, bool) or isinstance(value, float):
                # Floats cannot hold 0.01 元 exactly: money is written as a string or an integer.
                raise ParameterError(f"{where} 必须写成字符串或整数形式的数值（例如 \"20000000.00\"），不能是浮点数")
            try:
                number = Decimal(str(value))
            except (InvalidOperation, ValueError) as exc:
                raise ParameterError(f"{where} 必须是数值，收到 {value!r}") from exc
            if not number.is_finite() or number < 0:
                raise ParameterError(f"{where} 必须是非负数值，收到 {value!r}")
            if self.kind == "percent" and number > 100:
                raise ParameterError(f"{where} 是百分比，不能超过 100，收到 {value!r}")
            if number.as_tuple().exponent < -2:
                raise ParameterError(f"{where} 最多保留两位小数，收到 {value!r}")
            return number
        if self.kind == "count":
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ParameterError(f"{where} 必须是非负整数，收到 {value!r}")
            return value
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise ParameterError(f"{where} 必须是 true 或 false，收到 {value!r}")
            return value
        if self.kind in ("bodies", "steps"):
            known = BODY_KINDS if self.kind == "bodies" else ESCALATION_STEPS
            if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
                raise ParameterError(f"{where} 必须是非空的标识列表，收到 {value!r}")
            unknown = [v for v in value if v not in known]
            if unknown:
                raise ParameterError(f"{where} 含有未知标识：{'、'.join(unknown)}；可用：{'、'.join(known)}")
            if len(set(value)) != len(value):
                raise ParameterError(f"{where} 含有重复项")
            return tuple(value)
        if self.kind == "choice":
            if value not in self.choices:
                raise ParameterError(f"{where} 只能取 {'、'.join(self.choices)}，收到 {value!r}")
            return value
        if self.kind == "month_day":
            if not isinstance(value, str) or len(value) != 5 or value[2] != "-":
                raise ParameterError(f"{where} 必须写成 MM-DD，收到 {value!r}")
            month, day = value.split("-")
            if not (month.isdigit() and day.isdigit() and 1 <= int(month) <= 12 and 1 <= int(day) <= 31):
                raise ParameterError(f"{where} 必须写成有效的 MM-DD，收到 {value!r}")
            return value
        raise AssertionError(f"unknown parameter kind {self.kind}")


def _spec(name, kind, label, article, item=None, unit="", choices=(), paragraph=None) -> ParameterSpec:
    return ParameterSpec(name, kind, label, Citation(article, item, paragraph), unit, tuple(choices))


PARAMETERS: dict[str, ParameterSpec] = {
    s.name: s
    for s in [
        _spec("centralized_review.bodies", "bodies", "集中审查参加部门", 17),
        _spec("merged_plan.max_total_investment", "money", "可合并编报实施方案的总投资上限", 18, 3, unit="元", paragraph=2),
        _spec("purchased_service.min_saving_percent", "percent", "购买服务费用“明显小于”自建的最小节省比例", 19, 2, unit="%"),
        _spec("purchased_service.min_potential_providers", "count", "“多家潜在服务提供商”的最少家数", 19, 3, unit="家"),
        _spec("duplicate.similarity_warn_threshold", "percent", "疑似重复建设提示的文本相似度阈值", 6, unit="%"),
        _spec("duplicate.max_matches", "count", "疑似重复建设提示列出的最相近条目数", 6, unit="条"),
        _spec("cross_department.overlap_warn_threshold", "percent", "跨部门项目各部门建设内容重复交叉提示的相似度阈值", 21,
              unit="%"),
        _spec("opinion.bodies", "bodies", "审批前书面征求意见的部门", 22),
        _spec("opinion.response_days", "count", "各部门出具意见的期限", 22, unit="日"),
        _spec("construction.supervision_required", "bool", "须委托工程监理", 26, paragraph=2),
        _spec("change.self_adjustment_max_percent", "percent", "项目单位自行调整的资金调整数额上限（占批复总投资）", 29, unit="%"),
        _spec("change.adjustment_amount_reading", "choice", "“资金调整数额”的口径", 29,
              choices=("cumulative", "per_change")),
        _spec("trial_run.months", "count", "试运行期", 31, unit="个月"),
        _spec("om_service.max_term_years", "count", "运维服务采购最长履行期限", 42, unit="年"),
        _spec("procurement.price_weight_goods_percent", "percent", "货物类价格分值占总分值比重", 39, paragraph=2, unit="%"),
        _spec("procurement.price_weight_services_percent", "percent", "服务类价格分值占总分值比重", 39, paragraph=2, unit="%"),
        _spec("monitoring.report_due", "month_day", "年度绩效监控报告提交期限（每年）", 45),
        _spec("self_evaluation.window_start_months", "count", "自评价窗口起点（投入运行后）", 46, unit="个月"),
        _spec("self_evaluation.window_end_months", "count", "自评价窗口终点（投入运行后）", 46, unit="个月"),
        _spec("rectification.escalation_steps", "steps", "逾期不整改的处理措施（依次）", 47),
        _spec("rectification.default_days", "count", "限期整改的默认期限", 47, unit="日"),
        _spec("surplus.return_days", "count", "结余资金退回期限（自结余资金确定之日起）", 36, unit="日", paragraph=2),
        _spec("om_budget.declaration_due", "month_day", "运维经费预算申报截止日（需安排经费的上一年度内）", 37),
        _spec("performance.variance_warning_percent", "percent", "成本、进度偏差的预警线（风险评级）", 45, unit="%",
              paragraph=2),
        _spec("performance.variance_serious_percent", "percent", "成本、进度偏差的严重线（风险评级）", 45, unit="%",
              paragraph=2),
        _spec("data_centre.max_pue", "ratio", "新建数据中心验收时的能源利用效率（PUE）上限", 50),
        _spec("reminder.days_before_due", "count", "到期前提醒天数（督促检查）", 5),
    ]
}


def coerce_parameters(values: dict[str, Any], *, complete: bool) -> dict[str, Any]:
    """Validate a profile's parameter mapping. ``complete`` demands every parameter (a root profile)."""
    if not isinstance(values, dict):
        raise ParameterError("parameters 必须是“参数名: 值”的映射")
    unknown = sorted(set(values) - set(PARAMETERS))
    if unknown:
        raise ParameterError(f"未知参数：{'、'.join(unknown)}（可用参数见 docs/policy.md）")
    result = {name: PARAMETERS[name].coerce(value) for name, value in values.items()}
    if complete:
        missing = sorted(set(PARAMETERS) - set(result))
        if missing:
            raise ParameterError(f"省级基准配置缺少参数：{'、'.join(missing)}")
    start = result.get("self_evaluation.window_start_months")
    end = result.get("self_evaluation.window_end_months")
    if start is not None and end is not None and start > end:
        raise ParameterError("参数 self_evaluation.window_start_months 不能大于 window_end_months")
    return result

"""Which article of the measures the platform formalises, where, and which it does not (and why).

STYLE: "Write down the gaps." A test checks that every one of the 54 articles is listed
and that every module named here exists. The article page shows this entry.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Coverage:
    status: str  # implemented | partial | not_formalised
    where: tuple[str, ...] = ()
    note: str = ""


IMPLEMENTED, PARTIAL, NOT_FORMALISED = "implemented", "partial", "not_formalised"
STATUS_LABELS = {IMPLEMENTED: "已实现", PARTIAL: "部分实现", NOT_FORMALISED: "未形式化"}

INVENTORY: dict[int, Coverage] = {
    1: Coverage(NOT_FORMALISED, note="立法目的与依据，没有可执行的规则。"),
    2: Coverage(NOT_FORMALISED, note="适用范围：平台登记的项目即属此范围，不作自动判断。"),
    3: Coverage(IMPLEMENTED, ("projects/models.py",), "实施方式：自行建设 / 购买服务（DeliveryMode）。"),
    4: Coverage(NOT_FORMALISED, note="原则性规定，由第六条、第八条等具体规则体现。"),
    5: Coverage(IMPLEMENTED, ("accounts/seed.py", "accounts/models.py"), "各机构及其职责以机构类型和角色实现。"),
    6: Coverage(IMPLEMENTED, ("rules/similarity.py", "rules/precheck.py"), "重复建设比对（字符 n-gram 相似度）。"),
    7: Coverage(NOT_FORMALISED, note="重点建设类型是政策导向，不构成审批条件。"),
    8: Coverage(IMPLEMENTED, ("rules/ch02_integration.py", "rules/precheck.py"), "八类原则上不予立项的情形，各为一条规则；“法律法规有明确规定的除外”需附依据。"),
    9: Coverage(IMPLEMENTED, ("catalogue/", "rules/ch02_integration.py"), "系统目录、项目代码、未纳入目录不安排经费。"),
    10: Coverage(IMPLEMENTED, ("reviews/", "rules/ch02_integration.py"), "省市协同项目与市（州）项目关联（第十条）。"),
    11: Coverage(IMPLEMENTED, ("oversight/", "rules/ch02_integration.py"), "信息资源共享类型、共享交换平台接入、使用情况反馈；仅向特定企业开放的标记。"),
    12: Coverage(IMPLEMENTED, ("rules/ch02_integration.py",), "未完成数据归集不得申报新增项目，领导小组批准的例外。"),
    13: Coverage(IMPLEMENTED, ("oversight/",), "涉及国家秘密的信息资源标记并限制查看（项目单位、保密局、审计）。"),
    14: Coverage(NOT_FORMALISED, note="规划编制与衔接，不在项目流程中判断。"),
    15: Coverage(IMPLEMENTED, ("declarations/",), "申报批次与项目需求填报。"),
    16: Coverage(IMPLEMENTED, ("declarations/", "rules/ch02_integration.py", "rules/precheck.py"), "申报材料三部分的完整性检查。"),
    17: Coverage(IMPLEMENTED, ("reviews/",), "集中审查与年度项目清单。"),
    18: Coverage(IMPLEMENTED, ("rules/ch03_approval.py", "reviews/"), "两阶段报批或合并编报实施方案的条件。"),
    19: Coverage(IMPLEMENTED, ("rules/ch03_approval.py", "reviews/"), "购买服务的服务需求方案与四个条件、全周期费用比较。"),
    20: Coverage(IMPLEMENTED, ("rules/ch02_integration.py",), "信息资源目录是审批的必备条件。"),
    21: Coverage(IMPLEMENTED, ("rules/ch03_approval.py", "reviews/"), "跨部门项目各部门建设内容重复交叉的提示。"),
    22: Coverage(IMPLEMENTED, ("reviews/", "rules/ch03_approval.py"), "审批前并行征求七个部门意见。"),
    23: Coverage(IMPLEMENTED, ("rules/ch03_approval.py",), "仅新建土建工程、高能耗项目需节能、选址、用地、环评。"),
    24: Coverage(IMPLEMENTED, ("reviews/",), "评估论证与报省政府审定的标记。"),
    25: Coverage(IMPLEMENTED, ("rules/ch03_approval.py",), "初步设计超出可研批复需独立章节；重大变更重新审批可研。"),
    26: Coverage(IMPLEMENTED, ("delivery/", "rules/ch04_construction.py"), "项目责任人、工程监理、合同、电子档案。"),
    27: Coverage(IMPLEMENTED, ("delivery/", "rules/ch04_construction.py"), "跨部门参建部门的建设范围、责任与进度。"),
    28: Coverage(IMPLEMENTED, ("rules/ch04_construction.py",), "重大调整须事先审批；擅自重大变更导致超概算的不受理事后调整。"),
    29: Coverage(IMPLEMENTED, ("rules/ch04_construction.py",), "15% 以内自行调整报备的条件，按累计口径。"),
    30: Coverage(IMPLEMENTED, ("delivery/", "rules/ch04_construction.py", "projects/models.py"), "严重逾期、重大损失报告，整改或暂停，领导小组同意后终止。"),
    31: Coverage(IMPLEMENTED, ("rules/ch04_construction.py", "rules/periods.py"), "3 个月试运行、验收材料、延期验收。"),
    32: Coverage(IMPLEMENTED, ("rules/ch04_construction.py", "rules/sanctions.py"), "未验收或验收不合格的后果，由事实推导。"),
    33: Coverage(IMPLEMENTED, ("oversight/", "rules/ch04_construction.py", "rules/sanctions.py"), "未按要求共享数据的次年度限制，由登记的违规事实推导。"),
    34: Coverage(NOT_FORMALISED, note="运维能力建议性规定，不构成可判断的条件。"),
    35: Coverage(IMPLEMENTED, ("funding/", "rules/ch05_funding.py"), "资金来源。"),
    36: Coverage(IMPLEMENTED, ("funding/", "rules/ch05_funding.py"), "支付不超过批复预算；竣工决算结余资金退回。"),
    37: Coverage(IMPLEMENTED, ("funding/", "rules/ch05_funding.py"), "运维预算申报时点与续运维重新论证。"),
    38: Coverage(IMPLEMENTED, ("funding/",), "财政厅审核运维经费申报。"),
    39: Coverage(IMPLEMENTED, ("rules/ch06_procurement.py",), "采购方式、综合评分法与价格分值比重、评标计算。"),
    40: Coverage(NOT_FORMALISED, note="工程建设招标投标依《招标投标法》执行，平台只记录。"),
    41: Coverage(IMPLEMENTED, ("funding/", "rules/ch06_procurement.py"), "涉密采购标记，不对外公开（OCDS 导出排除）。"),
    42: Coverage(IMPLEMENTED, ("rules/ch06_procurement.py",), "运维服务不超过三年、分年签订合同。"),
    43: Coverage(IMPLEMENTED, ("funding/", "rules/ch06_procurement.py"), "限额以下自行采购标记。"),
    44: Coverage(NOT_FORMALISED, note="绩效管理责任主体，原则性规定。"),
    45: Coverage(IMPLEMENTED, ("oversight/", "rules/ch07_performance.py"), "年度绩效监控报告年底前提交，年末核查缺报。"),
    46: Coverage(IMPLEMENTED, ("oversight/", "rules/ch07_performance.py"), "投入运行后 12 至 24 个月内自评价；主管部门评价与后评价。"),
    47: Coverage(IMPLEMENTED, ("oversight/", "rules/ch07_performance.py"), "监督发现、限期整改与逐级处理；审计厅审计发现。"),
    48: Coverage(IMPLEMENTED, ("oversight/", "rules/ch07_performance.py"), "违规行为记录到单位和责任人员。"),
    49: Coverage(IMPLEMENTED, ("oversight/", "rules/ch08_security.py"), "等保、分保、密码应用方案与测评结果。"),
    50: Coverage(IMPLEMENTED, ("rules/ch08_security.py",), "安全可靠产品说明、数据中心能效（PUE）。"),
    51: Coverage(IMPLEMENTED, ("rules/ch08_security.py", "rules/sanctions.py"), "不符合密码和网络安全要求的后果。"),
    52: Coverage(NOT_FORMALISED, note="安全生产责任，依有关规定执行。"),
    53: Coverage(IMPLEMENTED, ("policy/",), "市（州）、县（市、区）政策配置覆盖省级参数。"),
    54: Coverage(NOT_FORMALISED, note="解释权与施行日期；施行日期即省级配置的生效日期 2021-10-05。"),
}

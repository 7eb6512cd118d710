"""The approval document (批复文件) as PDF, with Chinese text in the CID font STSong-Light.

STSong-Light is one of the Adobe Asian fonts every PDF reader provides, so nothing is
downloaded or embedded; reportlab writes the text as UTF-16 for it.
"""

from __future__ import annotations

import io
from decimal import ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from .models import Approval, ApprovalPath

FONT = "STSong-Light"
_registered = False


def _font() -> str:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _registered = True
    return FONT


def _styles():
    font = _font()
    body = ParagraphStyle("body", fontName=font, fontSize=12, leading=21, wordWrap="CJK", firstLineIndent=24)
    return {
        "issuer": ParagraphStyle("issuer", fontName=font, fontSize=22, leading=30, alignment=TA_CENTER,
                                 textColor="#b42318"),
        "number": ParagraphStyle("number", fontName=font, fontSize=12, leading=18, alignment=TA_CENTER),
        "title": ParagraphStyle("title", fontName=font, fontSize=16, leading=26, alignment=TA_CENTER, wordWrap="CJK"),
        "to": ParagraphStyle("to", fontName=font, fontSize=12, leading=21, wordWrap="CJK"),
        "body": body,
        "sign": ParagraphStyle("sign", parent=body, alignment=TA_RIGHT, firstLineIndent=0),
    }


DOCUMENT_OF_PATH = {
    ApprovalPath.TWO_STAGE: "初步设计方案（含投资概算）",
    ApprovalPath.MERGED: "项目实施方案",
    ApprovalPath.PURCHASED_SERVICE: "项目服务需求方案",
}


def _yuan(amount) -> str:
    # SECURITY.md R37: 万元 rounded 四舍五入 (ROUND_HALF_UP); Decimal's own format would round half to even.
    wan = (Decimal(amount) / 10000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{Decimal(amount):,.2f} 元（{wan:,.2f} 万元）"


def _cn_date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def approval_pdf(approval: Approval) -> bytes:
    project = approval.project
    application = getattr(project, "approval_application", None)
    document = DOCUMENT_OF_PATH.get(application.path, "项目") if application else "项目"
    title = f"四川省发展和改革委员会关于{project.name}{document}的批复"
    s = _styles()

    def p(text, style="body"):
        return Paragraph(escape(text).replace("\n", "<br/>"), s[style])

    story = [
        p("四川省发展和改革委员会", "issuer"), Spacer(1, 4 * mm),
        p(approval.number, "number"), Spacer(1, 6 * mm),
        p(title, "title"), Spacer(1, 6 * mm),
        p(f"{project.unit.name}：", "to"),
    ]
    basis = "依据《四川省省级政务信息化项目管理办法》（川办发〔2021〕49号）第二十二条、第二十四条"
    if application and application.path == ApprovalPath.TWO_STAGE and application.feasibility_approval_number:
        basis += f"，在项目可行性研究报告批复（{application.feasibility_approval_number}）的基础上"
    story += [
        p(f"你单位报送的{project.name}（平台项目编号 {project.number}）{document}收悉。{basis}，"
          "经书面征求有关部门意见并组织评估论证，现批复如下："),
        p(f"一、批复建设内容：{approval.approved_content}"),
        p(f"二、批复总投资：{_yuan(approval.approved_total_investment)}。"),
        p(f"三、资金来源：{approval.funding_sources}"),
        p(f"四、建设周期：{approval.construction_months} 个月。"),
        p("五、请严格按照批复的建设内容、总投资和建设周期组织实施。建设内容或投资确需调整的，"
          "按《四川省省级政务信息化项目管理办法》第二十九条的规定办理。"),
        Spacer(1, 14 * mm),
        p("四川省发展和改革委员会", "sign"),
        p(_cn_date(approval.approval_date), "sign"),
    ]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=f"{approval.number} {title}", author="四川省发展和改革委员会",
                            subject=approval.number, leftMargin=28 * mm, rightMargin=26 * mm,
                            topMargin=30 * mm, bottomMargin=28 * mm)
    doc.build(story)
    return buffer.getvalue()

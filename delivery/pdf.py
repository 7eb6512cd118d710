"""The acceptance opinion (项目验收意见, 第三十一条第二款) as PDF, in the CID font STSong-Light.

STSong-Light is one of the Adobe Asian fonts every PDF reader provides, so nothing is embedded.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from .models import AcceptanceApplication

FONT = "STSong-Light"


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _cn_date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def acceptance_opinion_pdf(application: AcceptanceApplication) -> bytes:
    font = _font()
    body = ParagraphStyle("body", fontName=font, fontSize=12, leading=21, wordWrap="CJK", firstLineIndent=24)
    styles = {
        "issuer": ParagraphStyle("issuer", fontName=font, fontSize=22, leading=30, alignment=TA_CENTER,
                                 textColor="#b42318"),
        "number": ParagraphStyle("number", fontName=font, fontSize=12, leading=18, alignment=TA_CENTER),
        "title": ParagraphStyle("title", fontName=font, fontSize=16, leading=26, alignment=TA_CENTER, wordWrap="CJK"),
        "to": ParagraphStyle("to", fontName=font, fontSize=12, leading=21, wordWrap="CJK"),
        "body": body,
        "sign": ParagraphStyle("sign", parent=body, alignment=TA_RIGHT, firstLineIndent=0),
    }
    project = application.project

    def p(text, style="body"):
        return Paragraph(escape(text).replace("\n", "<br/>"), styles[style])

    if application.unit_organised:
        title = f"四川省发展和改革委员会关于{project.name}验收结果的审核意见"
        account = (f"你单位{project.name}（平台项目编号 {project.number}）为政府购买服务项目，已于 "
                   f"{_cn_date(application.unit_accepted_on)} 按要求组织验收，并于 {_cn_date(application.applied_on)} "
                   "将验收结果报我委审核。依据《四川省省级政务信息化项目管理办法》（川办发〔2021〕49号）第三十一条第三款，"
                   "经审核，同意该项目验收结果。")
        opinion = f"审核意见：{application.opinion}"
    else:
        title = f"四川省发展和改革委员会关于{project.name}竣工验收的意见"
        account = (f"你单位{project.name}（平台项目编号 {project.number}）已完成全部建设内容并经试运行，"
                   f"于 {_cn_date(application.applied_on)} 申请竣工验收。依据《四川省省级政务信息化项目管理办法》"
                   "（川办发〔2021〕49号）第三十一条，经组织竣工验收，该项目验收合格。")
        opinion = f"验收意见：{application.opinion}"
    story = [
        p("四川省发展和改革委员会", "issuer"), Spacer(1, 4 * mm),
        p(application.opinion_number, "number"), Spacer(1, 6 * mm),
        p(title, "title"), Spacer(1, 6 * mm),
        p(f"{project.unit.name}：", "to"),
        p(account),
        p(f"验收资料：{'、'.join(application.material_labels) or '—'}。"),
        p(opinion),
        p("请按第三十一条第一款的规定将验收情况通过政务信息化项目备案登记平台向领导小组办公室报备。"),
        Spacer(1, 14 * mm),
        p("四川省发展和改革委员会", "sign"),
        p(_cn_date(application.decided_on), "sign"),
    ]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=f"{application.opinion_number} {title}",
                            author="四川省发展和改革委员会", subject=application.opinion_number,
                            leftMargin=28 * mm, rightMargin=26 * mm, topMargin=30 * mm, bottomMargin=28 * mm)
    doc.build(story)
    return buffer.getvalue()

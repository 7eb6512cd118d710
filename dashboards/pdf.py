"""A project's full record (项目档案) as a printable PDF, in the CID font STSong-Light (provided by every PDF
reader, so nothing is embedded): basic information, stage, approval and acceptance numbers, and the timeline of
audit events with the articles their findings cite."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from delivery.pdf import _font
from projects.models import Stage


def _yuan(value) -> str:
    return "—" if value is None else f"{value:,.2f} 元"


def _date(value) -> str:
    return f"{value:%Y-%m-%d}" if value else "—"


def _stage_label(value: str) -> str:
    try:
        return Stage(value).label
    except ValueError:
        return value


def record_facts(project) -> list[tuple[str, str]]:
    """The rows of the record's first table (also used by tests to check the PDF's text)."""
    try:
        approval = project.approval
    except ObjectDoesNotExist:
        approval = None
    from delivery.models import AcceptanceApplication

    acceptance = (AcceptanceApplication.objects.filter(project=project).exclude(opinion_number="")
                  .order_by("-pk").first())
    return [
        ("平台项目编号", project.number),
        ("项目名称", project.name),
        ("项目单位", project.unit.name),
        ("申报年度", str(project.year)),
        ("实施方式", project.get_delivery_mode_display()),
        ("当前阶段", project.get_stage_display()),
        ("申报总投资", _yuan(project.total_investment)),
        ("批复总投资", _yuan(project.approved_total_investment)),
        ("批复日期", _date(project.approval_date)),
        ("批复文号", approval.number if approval else "—"),
        ("验收意见文号", acceptance.opinion_number if acceptance else "—"),
    ]


def timeline_rows(events) -> list[tuple[str, str, str, str, str]]:
    rows = []
    for e in events:
        stage = ""
        if e.after.get("stage"):
            stage = (f"{_stage_label(e.before['stage'])} → " if e.before.get("stage") else "") + \
                _stage_label(e.after["stage"])
        articles = "；".join(dict.fromkeys(
            f.get("citation_label") or f"第{f['citation']['article']}条" for f in e.findings if f.get("citation")))
        rows.append((f"{timezone.localtime(e.at):%Y-%m-%d %H:%M}", f"{e.actor_name} {e.organisation_name}".strip(),
                     e.action, stage, articles))
    return rows


def project_record_pdf(project, events, *, printed_by: str) -> bytes:
    font = _font()
    styles = {
        "title": ParagraphStyle("title", fontName=font, fontSize=18, leading=26, alignment=TA_CENTER, wordWrap="CJK"),
        "h2": ParagraphStyle("h2", fontName=font, fontSize=13, leading=20, spaceBefore=8, spaceAfter=4),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=9, leading=13, wordWrap="CJK"),
        "note": ParagraphStyle("note", fontName=font, fontSize=8, leading=12, textColor="#555555", wordWrap="CJK"),
    }

    def p(text, style="cell"):
        return Paragraph(escape(str(text)).replace("\n", "<br/>"), styles[style])

    grid = TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                       ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef2f6"))])
    facts = Table([[p(k), p(v)] for k, v in record_facts(project)], colWidths=[35 * mm, 125 * mm])
    facts.setStyle(grid)
    header = [p(h) for h in ("时间", "操作人", "操作", "阶段", "依据")]
    rows = [[p(c) for c in row] for row in timeline_rows(events)] or [[p("暂无记录。"), "", "", "", ""]]
    timeline = Table([header, *rows], colWidths=[26 * mm, 34 * mm, 38 * mm, 32 * mm, 30 * mm], repeatRows=1)
    timeline.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                  ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde7f0"))]))
    now = timezone.localtime()
    story = [
        p(f"{project.name} 项目档案", "title"), Spacer(1, 6 * mm),
        p("一、基本情况", "h2"), facts,
        p("二、时间线（审计记录）", "h2"), timeline, Spacer(1, 6 * mm),
        p(f"依据《四川省省级政务信息化项目管理办法》（川办发〔2021〕49号）。打印人 {printed_by}，"
          f"打印时间 {now:%Y-%m-%d %H:%M}。", "note"),
    ]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=f"{project.number} {project.name} 项目档案",
                            author="政务信息化项目管理平台", subject=project.number,
                            leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm, bottomMargin=20 * mm)
    doc.build(story)
    return buffer.getvalue()

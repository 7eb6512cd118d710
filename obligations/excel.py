"""Obligations as .xlsx: dates as date cells (yyyy-mm-dd), money as numbers ('#,##0.00' 元); any text cell
a spreadsheet would read as a formula (= + - @, tab, carriage return) is neutralised with an apostrophe."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")
HEADERS = ["序号", "义务单位", "项目编号", "项目名称", "类型", "事项", "依据", "开始日期", "截止日期", "状态",
           "完成日期", "金额（元）", "豁免理由"]
WIDTHS = [6, 28, 16, 36, 18, 60, 16, 12, 12, 10, 12, 16, 30]


def safe_text(value) -> str:
    # SECURITY.md R39: the one neutraliser (catalogue.excel) — NUL included, characters XML cannot carry removed.
    from catalogue.excel import neutralise

    return neutralise("" if value is None else str(value))


def _cell(ws, row: int, col: int, value):
    if isinstance(value, Decimal):
        cell = ws.cell(row=row, column=col, value=value)
        cell.number_format = MONEY_FORMAT
    elif isinstance(value, date):
        cell = ws.cell(row=row, column=col, value=value)
        cell.number_format = DATE_FORMAT
    elif isinstance(value, int) and not isinstance(value, bool):
        cell = ws.cell(row=row, column=col, value=value)
    else:
        cell = ws.cell(row=row, column=col, value=safe_text(value))
    return cell


def obligations_workbook(obligations, *, title: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "义务与期限"
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    ws.cell(row=2, column=1, value="依据《四川省省级政务信息化项目管理办法》（川办发〔2021〕49号） · 金额单位：元")
    for col, label in enumerate(HEADERS, start=1):
        cell = ws.cell(row=4, column=col, value=label)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEF2F7")
    row = 5
    for i, o in enumerate(obligations, start=1):
        values = [i, o.organisation.name, o.project.number if o.project_id else "", o.project.name if o.project_id else "",
                  o.get_kind_display(), o.title, o.citation.label, o.opens_on, o.due_on, o.get_status_display(),
                  o.done_on, o.amount, o.waived_reason]
        for col, value in enumerate(values, start=1):
            _cell(ws, row, col, value)
        row += 1
    for i, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A5"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()

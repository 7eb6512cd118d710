"""The annual project list (第十七条) as .xlsx: the projects, then totals by unit and by delivery mode.

Money cells are numbers with format '#,##0.00' (元), written from Decimal. Any text cell
that a spreadsheet would read as a formula (= + - @, tab, carriage return) is neutralised
with a leading apostrophe.
"""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

MONEY_FORMAT = "#,##0.00"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")
HEADER_FILL = PatternFill("solid", fgColor="EEF2F7")
BOLD = Font(bold=True)


def safe_text(value) -> str:
    # SECURITY.md R39: the one neutraliser (catalogue.excel) — NUL included, characters XML cannot carry removed.
    from catalogue.excel import neutralise

    return neutralise("" if value is None else str(value))


def _write_row(ws, row: int, values, *, money_columns=(), bold=False):
    for col, value in enumerate(values, start=1):
        if isinstance(value, Decimal):
            cell = ws.cell(row=row, column=col, value=value)
        elif isinstance(value, int) and not isinstance(value, bool):
            cell = ws.cell(row=row, column=col, value=value)
        else:
            cell = ws.cell(row=row, column=col, value=safe_text(value))
        if col in money_columns:
            cell.number_format = MONEY_FORMAT
            cell.alignment = Alignment(horizontal="right")
        if bold:
            cell.font = BOLD


def _header(ws, row: int, labels):
    for col, label in enumerate(labels, start=1):
        cell = ws.cell(row=row, column=col, value=label)
        cell.font = BOLD
        cell.fill = HEADER_FILL


def _widths(ws, widths):
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


def annual_list_workbook(year: int, projects, totals: dict, *, number: str = "", fixed: bool = False) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "年度清单"
    status = f"已确定（{number}）" if fixed else "尚未确定（草表）"
    ws.cell(row=1, column=1, value=f"{year} 年度政务信息化项目清单").font = Font(bold=True, size=14)
    ws.cell(row=2, column=1, value=f"依据《四川省省级政务信息化项目管理办法》第十七条 · {status} · 金额单位：元")
    headers = ["序号", "平台项目编号", "项目名称", "项目单位", "实施方式", "申报总投资（元）", "当前阶段", "批复总投资（元）"]
    _header(ws, 4, headers)
    row = 5
    for i, project in enumerate(projects, start=1):
        _write_row(ws, row, [i, project.number, project.name, project.unit.name, project.get_delivery_mode_display(),
                             project.total_investment, project.get_stage_display(),
                             project.approved_total_investment if project.approved_total_investment is not None else ""],
                   money_columns=(6, 8))
        row += 1
    _write_row(ws, row, ["合计", f"{totals['count']} 个项目", "", "", "", totals["total"], "", ""],
               money_columns=(6,), bold=True)
    _widths(ws, [6, 16, 40, 28, 12, 20, 16, 20])
    ws.freeze_panes = "A5"

    for title, key, label in [("按单位汇总", "by_unit", "项目单位"), ("按实施方式汇总", "by_mode", "实施方式")]:
        sheet = wb.create_sheet(title)
        _header(sheet, 1, [label, "项目个数", "申报总投资（元）"])
        r = 2
        for group in totals[key]:
            _write_row(sheet, r, [group["label"], group["count"], group["total"]], money_columns=(3,))
            r += 1
        _write_row(sheet, r, ["合计", totals["count"], totals["total"]], money_columns=(3,), bold=True)
        _widths(sheet, [30, 10, 20])

    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()

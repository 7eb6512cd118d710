"""Excel exports (issue 6 §4): the project ledger (台账) with the filters of /projects/ and the rectifications.

Written with openpyxl's write_only workbook (rows streamed to the file, not held as cell objects), money as
numbers with '#,##0.00', dates as dates with 'yyyy-mm-dd', and every text cell neutralised
(catalogue.excel.neutralise: a value beginning with = + - @, tab or CR is text, never a formula)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from catalogue.excel import neutralise
from web.spreadsheet import append_header

MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    header: str
    width: int
    kind: str = "text"  # text, money, date, int


LEDGER_COLUMNS = [
    Column("平台项目编号", 16), Column("项目名称", 40), Column("项目单位", 28), Column("申报年度", 10, "int"),
    Column("实施方式", 12), Column("阶段", 16), Column("申报总投资（元）", 20, "money"),
    Column("批复总投资（元）", 20, "money"), Column("批复日期", 12, "date"), Column("批复文号", 24),
]

RECTIFICATION_COLUMNS = [
    Column("平台项目编号", 16), Column("项目名称", 36), Column("项目单位", 28), Column("监督部门", 20),
    Column("监督事项", 20), Column("发现的问题", 40), Column("整改要求", 40), Column("要求整改日期", 14, "date"),
    Column("整改期限", 12, "date"), Column("整改报送日期", 14, "date"), Column("复查结果", 10),
]


def _approval_or_none(project):
    from django.core.exceptions import ObjectDoesNotExist

    try:
        return project.approval
    except ObjectDoesNotExist:
        return None


def ledger_row(p) -> list[Any]:
    approval = _approval_or_none(p)
    return [p.number, p.name, p.unit.name, p.year, p.get_delivery_mode_display(), p.get_stage_display(),
            p.total_investment, p.approved_total_investment, p.approval_date,
            approval.number if approval is not None else ""]


RECHECK = {True: "合格", False: "不合格", None: "待复查"}


def rectification_row(r, current_due_on: date) -> list[Any]:
    f = r.finding
    return [f.project.number, f.project.name, f.project.unit.name, f.body.name, f.get_area_display(),
            f.description, f.requirement, r.ordered_on, current_due_on, r.rectified_on,
            RECHECK[r.recheck_passed] if r.rectified_on else "未报送"]


def _cell(ws, value: Any, column: Column) -> Any:
    if value is None or value == "":
        return None
    if column.kind == "money":
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = MONEY_FORMAT
        return cell
    if column.kind == "date":
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    return neutralise(value) if isinstance(value, str) else value


def build_workbook(title: str, columns: list[Column], rows: Iterable[list[Any]], *,
                   notes: list[tuple[str, str]] = ()) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title)
    append_header(ws, columns)
    for row in rows:
        ws.append([_cell(ws, value, column) for value, column in zip(row, columns, strict=True)])
    if notes:
        info = wb.create_sheet("说明")
        info.column_dimensions["A"].width = 16
        info.column_dimensions["B"].width = 80
        for key, value in notes:
            info.append([key, neutralise(value)])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def ledger_workbook(projects, *, filters: str, generated: str) -> bytes:
    return build_workbook("项目台账", LEDGER_COLUMNS, (ledger_row(p) for p in
                                                   projects.select_related("unit", "approval").iterator(chunk_size=500)),
                          notes=[("筛选条件", filters or "全部"), ("导出时间", generated),
                                 ("说明", "金额单位为元；仅含导出人有权查看的项目。")])


def rectifications_workbook(rectifications, *, generated: str) -> bytes:
    from oversight.selectors import current_due_on

    return build_workbook("限期整改", RECTIFICATION_COLUMNS,
                          (rectification_row(r, current_due_on(r)) for r in rectifications),
                          notes=[("导出时间", generated), ("依据", "《四川省省级政务信息化项目管理办法》第四十七条")])

"""What every workbook the platform writes shares: a frozen header row in bold on a light fill, the columns at
their widths. Used by the catalogue export (catalogue.excel) and the ledger exports (dashboards.exports), so
their sheets look alike. Text cells are neutralised by each caller with ``catalogue.excel.neutralise``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

HEADER_FILL = "DDE7F0"


class SheetColumn(Protocol):
    header: str
    width: int


def append_header(ws, columns: Iterable[SheetColumn]) -> None:
    """Freeze the first row, set each column's width and append the headers (a ``write_only`` sheet: widths
    and panes must be set before the first row is appended)."""
    columns = list(columns)
    ws.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    bold, fill = Font(bold=True), PatternFill("solid", fgColor=HEADER_FILL)
    header = []
    for column in columns:
        cell = WriteOnlyCell(ws, value=column.header)
        cell.font, cell.fill = bold, fill
        header.append(cell)
    ws.append(header)

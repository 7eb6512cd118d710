"""web.spreadsheet.append_header: the header every exported workbook shares (catalogue, ledger, rectifications)."""

import io
from dataclasses import dataclass

from openpyxl import Workbook, load_workbook

from web.spreadsheet import HEADER_FILL, append_header


@dataclass(frozen=True)
class Col:
    header: str
    width: int


def test_the_header_row_is_bold_filled_frozen_and_the_columns_have_their_widths():
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("表")
    append_header(ws, (Col("项目名称", 40), Col("批复日期", 12)))
    ws.append(["甲", "2026-01-01"])
    buffer = io.BytesIO()
    wb.save(buffer)

    sheet = load_workbook(io.BytesIO(buffer.getvalue()))["表"]
    assert [c.value for c in sheet[1]] == ["项目名称", "批复日期"]
    assert [c.value for c in sheet[2]] == ["甲", "2026-01-01"]  # the data follow the header, unstyled
    assert all(c.font.bold and c.fill.fgColor.rgb.endswith(HEADER_FILL) for c in sheet[1])
    assert not sheet["A2"].font.bold
    assert sheet.freeze_panes == "A2"
    assert (sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width) == (40, 12)

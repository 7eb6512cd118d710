"""The catalogue as an Excel workbook (.xlsx): export, and the reading and row checks of an import.

Reading is streamed (openpyxl ``read_only``) and every row is checked fully before
anything is written; the checks against the unit's existing entries and the writes
are in ``catalogue.services.catalogue_import``.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from django.conf import settings
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font

from web.spreadsheet import append_header

from .models import (
    CODE_MAX,
    MLPS_NOT_APPLICABLE_LABEL,
    NAME_MAX,
    TEXT_MAX,
    MlpsLevel,
    Network,
    SystemStatus,
    cross_field_errors,
)

SHEET_TITLE = "系统目录"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Limits of an import (settings an administrator may change).
MAX_BYTES = getattr(settings, "CATALOGUE_IMPORT_MAX_BYTES", 10 * 1024 * 1024)
MAX_ROWS = getattr(settings, "CATALOGUE_IMPORT_MAX_ROWS", 50_000)
# A 10 MB .xlsx unpacks to far less than this; more is a zip bomb (SECURITY.md 26).
MAX_UNPACKED_BYTES = 300 * 1024 * 1024
MAX_ZIP_ENTRIES = 1000


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    width: int
    required: bool = True  # the column must be in the sheet
    hint: str = ""


COLUMNS: tuple[Column, ...] = (
    Column("code", "系统编号", 18, required=False, hint="新增系统留空，由平台生成；填写已有编号则更新该系统"),
    Column("name", "系统名称", 30, hint=f"必填，本单位内不得重名，不超过 {NAME_MAX} 个字符"),
    Column("unit", "所属单位", 24, required=False, hint="可留空；填写时必须是本单位名称"),
    Column("purpose", "建设目的和主要功能", 40, hint=f"必填，不超过 {TEXT_MAX} 个字符"),
    Column("status", "状态", 10, hint="、".join(SystemStatus.labels)),
    Column("on_government_cloud", "部署在省级政务云", 10, hint="是 / 否"),
    Column("network", "网络", 14, hint="、".join(Network.labels)),
    Column("is_classified", "涉密", 8, hint="是 / 否"),
    Column("mlps_level", "等保级别", 10,
           hint="非涉密系统：" + "、".join(MlpsLevel.labels) + f"；涉密系统：{MLPS_NOT_APPLICABLE_LABEL}"),
    Column("connected_to_sharing_platform", "接入数据共享交换平台", 12, hint="是 / 否"),
    Column("connected_to_service_platform", "接入一体化政务服务平台", 12, hint="是 / 否"),
    Column("connected_to_unified_office_platform", "接入统一协同办公平台", 12, hint="是 / 否"),
    Column("data_resources", "掌握的数据资源", 40, required=False, hint=f"可留空，不超过 {TEXT_MAX} 个字符"),
)
HEADER_OF = {c.field: c.header for c in COLUMNS}
BOOLEAN_FIELDS = ("on_government_cloud", "is_classified", "connected_to_sharing_platform",
                  "connected_to_service_platform", "connected_to_unified_office_platform")
YES, NO = "是", "否"

# --- Export ------------------------------------------------------------------------------------

# A cell beginning with one of these is read as a formula by spreadsheet programs (CSV/formula injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")


def neutralise(value: Any) -> Any:
    """Make user text safe in a spreadsheet cell (SECURITY.md 39): a value beginning with
    = + - @, tab, CR or NUL gets a leading single quote, so it is text, never a formula;
    characters XML cannot carry are removed. Anything but text is returned unchanged."""
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_TRIGGERS):
        value = "'" + value
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def restore(value: str) -> str:
    """The inverse of ``neutralise`` for an imported cell, so an exported catalogue re-imports unchanged."""
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r":
        return value[1:]
    return value


def _yes_no(flag: bool) -> str:
    return YES if flag else NO


STATUS_LABELS = dict(SystemStatus.choices)
NETWORK_LABELS = dict(Network.choices)
MLPS_LABELS: dict[int | None, str] = dict(MlpsLevel.choices) | {None: MLPS_NOT_APPLICABLE_LABEL}
# The model fields an exported row is made of (``QuerySet.values(*EXPORT_FIELDS)``); the unit is one name.
EXPORT_FIELDS = tuple(c.field for c in COLUMNS if c.field != "unit")


def export_row(values: dict[str, Any], unit_name: str) -> list[Any]:
    """One system as a spreadsheet row, every text neutralised (SECURITY.md 39)."""
    cells = dict(values)
    cells["unit"] = unit_name
    cells["status"] = STATUS_LABELS[values["status"]]
    cells["network"] = NETWORK_LABELS[values["network"]]
    cells["mlps_level"] = MLPS_LABELS[values["mlps_level"]]
    for name in BOOLEAN_FIELDS:
        cells[name] = _yes_no(values[name])
    return [neutralise(cells[c.field]) for c in COLUMNS]


def system_row(system) -> list[Any]:
    return export_row({f: getattr(system, f) for f in EXPORT_FIELDS}, system.unit.name)


def build_workbook(rows: Iterable[list[Any]], count: int | None = None) -> bytes:
    """The catalogue as .xlsx: one sheet with a row per system (``rows`` from ``export_row``), and one
    sheet explaining the columns. Written streaming (openpyxl ``write_only``)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET_TITLE)
    if count is not None:
        # A streaming writer cannot know the sheet's size; telling it lets it write <dimension>, which
        # spares a streaming reader (openpyxl read_only, on re-import) a full pass over the sheet.
        ws.calculate_dimension = lambda: f"A1:{_letter(len(COLUMNS))}{count + 1}"
    append_header(ws, COLUMNS)
    for row in rows:
        ws.append(row)
    notes = wb.create_sheet("填写说明")
    notes.column_dimensions["A"].width = 24
    notes.column_dimensions["B"].width = 80
    wrap = Alignment(wrap_text=True, vertical="top")
    notes.append([_bold(notes, "列"), _bold(notes, "填写要求")])
    for column in COLUMNS:
        hint = WriteOnlyCell(notes, value=column.hint)
        hint.alignment = wrap
        notes.append([column.header, hint])
    notes.append([])
    notes.append(["说明", "任何一行有错误时整个文件都不会导入，平台会列出出错的行、列和原因。"
                          "依据《四川省省级政务信息化项目管理办法》第九条。"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _bold(ws, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=text)
    cell.font = Font(bold=True)
    return cell


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


# --- Import: the file ----------------------------------------------------------------------------

class ImportRefused(Exception):
    """The file as a whole cannot be imported (not an .xlsx, too large, no data…)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RowError:
    row: int  # as numbered in the spreadsheet (the header is row 1)
    column: str  # the column's header
    message: str


@dataclass
class ParsedRow:
    row: int
    code: str
    name: str
    values: dict[str, Any]
    valid: bool = True


@dataclass
class ParsedSheet:
    rows: list[ParsedRow] = field(default_factory=list)  # every data row, ``valid`` or not
    errors: list[RowError] = field(default_factory=list)


COLUMN_ORDER = {c.header: i for i, c in enumerate(COLUMNS)}


def sort_errors(errors: Iterable[RowError]) -> list[RowError]:
    """Errors in the order a reader scans the sheet: by row, then by column."""
    return sorted(errors, key=lambda e: (e.row, COLUMN_ORDER.get(e.column, len(COLUMN_ORDER))))


MSG_NOT_XLSX_NAME = "只能导入 Excel 工作簿（.xlsx）文件"
MSG_NOT_XLSX_CONTENT = "文件内容不是 Excel 工作簿（.xlsx），可能是改了扩展名的其他文件，请在 Excel 中另存为 .xlsx 后再导入"
MSG_OLE = "文件是旧版 Excel（.xls）格式或设置了打开密码，请在 Excel 中取消密码并另存为 .xlsx 后再导入"
MSG_CANNOT_OPEN = "无法打开该 Excel 文件：文件已损坏或不是有效的 .xlsx 工作簿"
MSG_EMPTY_FILE = "文件是空的"
MSG_NO_DATA = "表格中没有数据行：第 1 行为表头，从第 2 行起每行填写一个信息系统"


def _too_large() -> str:
    return f"文件超过 {MAX_BYTES // (1024 * 1024)} MB，请拆分后分批导入"


def _too_many_rows() -> str:
    return f"表格数据超过 {MAX_ROWS:,} 行，请拆分后分批导入"


def check_file(upload) -> None:
    """Refuse anything that is not a plausible .xlsx before a parser touches it (SECURITY.md 26)."""
    name = (getattr(upload, "name", "") or "").lower()
    if not name.endswith(".xlsx"):
        raise ImportRefused(MSG_NOT_XLSX_NAME)
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ImportRefused(_too_large())
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if not head:
        raise ImportRefused(MSG_EMPTY_FILE)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportRefused(MSG_OLE)
    if not head.startswith(b"PK\x03\x04"):
        raise ImportRefused(MSG_NOT_XLSX_CONTENT)
    try:
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
            names = {e.filename for e in entries}
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportRefused(MSG_CANNOT_OPEN) from exc
    finally:
        upload.seek(0)
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise ImportRefused(MSG_NOT_XLSX_CONTENT)
    if len(entries) > MAX_ZIP_ENTRIES or sum(e.file_size for e in entries) > MAX_UNPACKED_BYTES:
        raise ImportRefused(MSG_CANNOT_OPEN)


def read_catalogue(upload: IO[bytes], *, unit_name: str) -> ParsedSheet:
    """Read and check every row of an uploaded catalogue. File-level problems raise ``ImportRefused``;
    row problems are collected (all of them, not just the first) in ``ParsedSheet.errors``."""
    check_file(upload)
    try:
        wb = load_workbook(upload, read_only=True, data_only=True)
    except Exception as exc:  # an untrusted file: any parser failure means "cannot open"
        raise ImportRefused(MSG_CANNOT_OPEN) from exc
    try:
        ws = wb[SHEET_TITLE] if SHEET_TITLE in wb.sheetnames else wb.worksheets[0]
        header = next(ws.iter_rows(max_row=1, values_only=True), None)
        # Data rows are read only as wide as the header: a sheet formatted out to column XFD stays cheap.
        width = len(header or ())
        return _read_rows(header, ws.iter_rows(min_row=2, max_col=max(width, 1), values_only=True),
                          unit_name=unit_name)
    except ImportRefused:
        raise
    except Exception as exc:
        raise ImportRefused(MSG_CANNOT_OPEN) from exc
    finally:
        wb.close()


def _read_rows(header: tuple | None, rows: Iterable[tuple], *, unit_name: str) -> ParsedSheet:
    """Check the header, then every data row (numbered from 2, as in the spreadsheet)."""
    result = ParsedSheet()
    if header is None:
        raise ImportRefused(MSG_NO_DATA)
    positions: dict[str, int] = {}
    for index, raw in enumerate(header):
        title = _text(raw)
        if not title:
            continue
        if title in positions:
            result.errors.append(RowError(1, title, "表头中此列重复"))
        positions.setdefault(title, index)
    for column in COLUMNS:
        if column.required and column.header not in positions:
            result.errors.append(RowError(1, column.header, "缺少此列（请使用平台导出的表格或模板，不要修改表头）"))
    if result.errors:
        return result
    wanted = [(c, positions.get(c.header)) for c in COLUMNS]
    width = max(positions.values()) + 1
    first_name_row: dict[str, int] = {}
    first_code_row: dict[str, int] = {}
    seen = 0
    for number, raw_row in enumerate(rows, start=2):
        if not any(v is not None and (not isinstance(v, str) or v.strip()) for v in raw_row):
            continue  # an empty row (or one of spaces only) is not a system
        seen += 1
        if seen > MAX_ROWS:
            raise ImportRefused(_too_many_rows())
        if len(raw_row) < width:
            raw_row = tuple(raw_row) + (None,) * (width - len(raw_row))
        cells = {c.field: ("" if i is None else _text(raw_row[i])) for c, i in wanted}
        errors_before = len(result.errors)
        parsed = _check_row(number, cells, unit_name, result.errors)
        name, code = cells["name"], cells["code"]
        if name and name in first_name_row:
            result.errors.append(RowError(number, HEADER_OF["name"], f"与第 {first_name_row[name]} 行的系统名称重复"))
        elif name:
            first_name_row[name] = number
        if code and code in first_code_row:
            result.errors.append(RowError(number, HEADER_OF["code"], f"与第 {first_code_row[code]} 行的系统编号重复"))
        elif code:
            first_code_row[code] = number
        parsed.valid = len(result.errors) == errors_before
        result.rows.append(parsed)
    if not seen:
        raise ImportRefused(MSG_NO_DATA)
    return result


def _text(value: Any) -> str:
    """A cell as text: numbers without a spurious “.0”, 是/否 for TRUE/FALSE, neutralised text restored."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _yes_no(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return restore(str(value).strip()).strip()


STATUS_BY_LABEL = {s.label: s.value for s in SystemStatus}
NETWORK_BY_LABEL = {n.label: n.value for n in Network}
MLPS_BY_TEXT: dict[str, int | None] = {m.label: m.value for m in MlpsLevel} | {
    str(m.value): m.value for m in MlpsLevel} | {MLPS_NOT_APPLICABLE_LABEL: None}
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*\Z")

MSG_REQUIRED = "不能为空"
MSG_BOOLEAN = "只能填写“是”或“否”"


def _choice_message(value: str, what: str, allowed: Iterable[str]) -> str:
    return f"“{value}”不是允许的{what}，只能填写：{'、'.join(allowed)}"


def _check_row(number: int, cells: dict[str, str], unit_name: str, errors: list[RowError]) -> ParsedRow:
    """One row's own checks: appends its errors (every one, not just the first) and returns its values."""

    def error(field_name: str, message: str) -> None:
        errors.append(RowError(number, HEADER_OF[field_name], message))

    values: dict[str, Any] = {}
    code = cells["code"]
    if code and (len(code) > CODE_MAX or not CODE_RE.match(code)):
        error("code", f"系统编号只能由字母、数字和“-”“_”“.”组成，以字母或数字开头，不超过 {CODE_MAX} 个字符")
    if cells["unit"] and cells["unit"] != unit_name:
        error("unit", f"只能导入本单位（{unit_name}）的信息系统")
    for name, limit in (("name", NAME_MAX), ("purpose", TEXT_MAX), ("data_resources", TEXT_MAX)):
        text = cells[name]
        if not text and name != "data_resources":
            error(name, MSG_REQUIRED)
        elif len(text) > limit:
            error(name, f"不能超过 {limit} 个字符（现为 {len(text)} 个）")
        values[name] = text
    for name, lookup, what in (("status", STATUS_BY_LABEL, "状态"), ("network", NETWORK_BY_LABEL, "网络")):
        text = cells[name]
        if not text:
            error(name, MSG_REQUIRED)
        elif text not in lookup:
            error(name, _choice_message(text, what, lookup))
        else:
            values[name] = lookup[text]
    for name in BOOLEAN_FIELDS:
        text = cells[name]
        if not text:
            error(name, f"{MSG_REQUIRED}，{MSG_BOOLEAN}")
        elif text not in (YES, NO):
            error(name, f"“{text}”无效，{MSG_BOOLEAN}")
        else:
            values[name] = text == YES
    mlps = cells["mlps_level"]
    if not mlps:
        error("mlps_level", f"{MSG_REQUIRED}（非涉密系统填写未定级或第一级至第五级，涉密系统填写{MLPS_NOT_APPLICABLE_LABEL}）")
    elif mlps not in MLPS_BY_TEXT:
        error("mlps_level", _choice_message(mlps, "等保级别", [*MlpsLevel.labels, MLPS_NOT_APPLICABLE_LABEL]))
    else:
        values["mlps_level"] = MLPS_BY_TEXT[mlps]
    if all(k in values for k in ("is_classified", "network", "mlps_level")):
        for name, message in cross_field_errors(is_classified=values["is_classified"], network=values["network"],
                                                mlps_level=values["mlps_level"]).items():
            error(name, message)
    return ParsedRow(number, code, cells["name"], values)

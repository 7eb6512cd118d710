"""Every API error is JSON: {"detail": [{"field": ..., "message": ...}]}, in Chinese, never a 500 for bad input."""

import json
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, OperationalError
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from projects.services import ActionRefused

PYDANTIC_MESSAGES = {
    "missing": "必填",
    "int_parsing": "必须是整数",
    "int_type": "必须是整数",
    "decimal_parsing": "必须是数值",
    "decimal_type": "必须是数值",
    "decimal_max_digits": "位数过多（金额最多 13 位整数、2 位小数）",
    "decimal_max_places": "最多保留两位小数",
    "decimal_whole_digits": "整数部分位数过多",
    "greater_than_equal": "不能小于允许的最小值",
    "less_than_equal": "不能大于允许的最大值",
    "string_too_long": "过长",
    "string_too_short": "不能为空",
    "string_type": "必须是文本",
    "date_from_datetime_parsing": "不是有效日期（YYYY-MM-DD）",
    "date_parsing": "不是有效日期（YYYY-MM-DD）",
    "date_from_datetime_inexact": "不是有效日期（YYYY-MM-DD）",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
    "json_invalid": "请求体不是有效的 JSON",
    "model_attributes_type": "请求体必须是 JSON 对象",
    "dict_type": "请求体必须是 JSON 对象",
    "bool_parsing": "必须是 true 或 false",
    "bool_type": "必须是 true 或 false",
    "list_type": "必须是列表",
    "extra_forbidden": "不允许提交此字段",
}


def _field(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "payload", "query", "path", "form")]
    return ".".join(parts) or "请求体"


# Messages that say the bound that was crossed (the bound comes from the schema: pydantic's ctx).
BOUND_MESSAGES = {
    "greater_than_equal": "不能小于 {ge}",
    "greater_than": "必须大于 {gt}",
    "less_than_equal": "不能大于 {le}",
    "less_than": "必须小于 {lt}",
    "string_too_long": "过长：最多 {max_length} 个字符",
    "decimal_max_digits": "位数过多：最多 {max_digits} 位数字（金额最多 13 位整数、2 位小数）",
    "decimal_max_places": "最多保留 {decimal_places} 位小数",
}


def _message(err: dict) -> str:
    kind, ctx = err.get("type"), err.get("ctx") or {}
    if kind in BOUND_MESSAGES:
        try:
            return BOUND_MESSAGES[kind].format(**ctx)
        except (KeyError, IndexError):
            pass
    return PYDANTIC_MESSAGES.get(kind, err.get("msg", "无效"))


def _json_body_is_not_an_object(request) -> bool:
    """A JSON array or scalar where an object is expected: say so once instead of "必填" for every field."""
    if request.method not in {"POST", "PUT", "PATCH"} or "json" not in request.content_type:
        return False
    try:
        return not isinstance(json.loads(request.body or b"{}"), dict)
    except ValueError:
        return False


def server_error_body(request) -> dict:
    """The JSON of an unexpected error: a generic message and the error id that is in the log (SECURITY.md 24)."""
    error_id = getattr(request, "request_id", "") or "-"
    return {"detail": [{"field": "", "message": f"系统出现意外错误，请把错误编号 {error_id} 告诉系统管理员。"}],
            "error_id": error_id}


CONFLICT_MESSAGE = "您的操作与他人的操作同时进行而发生冲突，未作任何更改，请重试。"


def is_concurrency_conflict(exc: BaseException) -> bool:
    """A deadlock or serialisation failure reported by PostgreSQL (SQLSTATE 40P01 / 40001)."""
    cause = exc.__cause__ or exc
    return getattr(cause, "sqlstate", None) in {"40P01", "40001"}


def register(api):
    @api.exception_handler(Exception)
    def on_unexpected(request, exc):
        # Never a traceback in the response; the traceback goes to the log under the error id.
        logging.getLogger("zwxm.errors").error(
            "error id %s on %s %s", getattr(request, "request_id", "-"), request.method, request.path,
            exc_info=(type(exc), exc, exc.__traceback__))
        return api.create_response(request, server_error_body(request), status=500)

    @api.exception_handler(OperationalError)
    def on_concurrent_conflict(request, exc):
        # PostgreSQL ends one of two transactions that wait for each other's row locks (deadlock) or that cannot
        # be serialised; that transaction has rolled back completely, so the caller is told to try again.
        if is_concurrency_conflict(exc):
            logging.getLogger("zwxm.errors").warning("concurrency conflict on %s %s (request %s): %s", request.method,
                                                     request.path, getattr(request, "request_id", "-"), exc)
            return api.create_response(request, {"detail": [{"field": "", "message": CONFLICT_MESSAGE}]}, status=409)
        return on_unexpected(request, exc)

    @api.exception_handler(OverflowError)
    @api.exception_handler(DataError)
    def on_out_of_range(request, exc):
        # An id or number beyond what the database column holds (SQLite: OverflowError; PostgreSQL: DataError).
        # The action's transaction has already rolled back.
        return api.create_response(request, {"detail": [{"field": "请求参数", "message": (
            "数值超出允许范围（编号或数值过大）")}]}, status=422)

    @api.exception_handler(MultiPartParserError)
    def on_bad_multipart(request, exc):
        return api.create_response(request, {"detail": [{"field": "请求体", "message": (
            "请求体不是有效的 multipart/form-data（缺少 boundary 或格式错误）")}]}, status=400)

    @api.exception_handler(RequestDataTooBig)
    def on_too_big(request, exc):
        limit_kib = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024
        return api.create_response(request, {"detail": [{"field": "请求体", "message": (
            f"请求体过大：不能超过 {limit_kib} KiB（文件请通过上传接口提交）")}]}, status=413)

    @api.exception_handler(NinjaValidationError)
    def on_validation(request, exc):
        if _json_body_is_not_an_object(request):
            return api.create_response(request, {"detail": [{"field": "请求体", "message": "请求体必须是 JSON 对象"}]},
                                       status=422)
        detail = []
        for err in exc.errors:
            message = _message(err)
            detail.append({"field": _field(err.get("loc", ())), "message": message})
        return api.create_response(request, {"detail": detail}, status=422)

    @api.exception_handler(DjangoValidationError)
    def on_django_validation(request, exc):
        detail = []
        if hasattr(exc, "message_dict"):
            for field, messages in exc.message_dict.items():
                for m in messages:
                    detail.append({"field": "请求体" if field == "__all__" else field, "message": m})
        else:
            detail = [{"field": "请求体", "message": m} for m in exc.messages]
        return api.create_response(request, {"detail": detail}, status=422)

    @api.exception_handler(Http404)
    def on_404(request, exc):
        return api.create_response(request, {"detail": [{"field": "", "message": "对象不存在或无权查看"}]}, status=404)

    @api.exception_handler(PermissionDenied)
    def on_403(request, exc):
        return api.create_response(request, {"detail": [{"field": "", "message": str(exc) or "无权执行此操作"}]},
                                   status=403)

    @api.exception_handler(ActionRefused)
    def on_refused(request, exc):
        return api.create_response(request, {
            "detail": [{"field": "", "message": exc.message}],
            "findings": [f.as_dict() for f in exc.findings],
        }, status=exc.status)

    @api.exception_handler(AuthenticationError)
    def on_auth(request, exc):
        return api.create_response(request, {"detail": [{"field": "", "message": "未登录或令牌无效"}]}, status=401)

    @api.exception_handler(HttpError)
    def on_http(request, exc):
        if str(exc).startswith("Cannot parse request body"):
            return api.create_response(request, {"detail": [{"field": "请求体", "message": "请求体不是有效的 JSON"}]},
                                       status=400)
        return api.create_response(request, {"detail": [{"field": "", "message": str(exc)}]}, status=exc.status_code)

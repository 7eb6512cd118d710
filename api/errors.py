"""Every API error is JSON: {"detail": [{"field": ..., "message": ...}]}, in Chinese, never a 500 for bad input."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
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


def register(api):
    @api.exception_handler(NinjaValidationError)
    def on_validation(request, exc):
        detail = []
        for err in exc.errors:
            message = PYDANTIC_MESSAGES.get(err.get("type"), err.get("msg", "无效"))
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

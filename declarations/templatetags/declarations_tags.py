"""Showing a finding's evidence as plain Chinese text."""

from django import template

register = template.Library()


def _text(value) -> str:
    if value is True:
        return "是"
    if value is False:
        return "否"
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, dict):
        if set(value) >= {"value", "citation"}:  # a profile parameter with its citation
            return f"{_text(value['value'])}（{value['citation']}，配置 {value.get('profile', '')}）"
        return "，".join(f"{k}：{_text(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return "；".join(_text(v) for v in value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


@register.filter
def evidence_value(value) -> str:
    return _text(value)


@register.filter
def yes_no(value) -> str:
    return "未回答" if value is None else _text(value)

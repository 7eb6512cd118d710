"""Template filters for money (元/万元), Chinese dates, stages and citations."""

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.html import format_html

register = template.Library()


def _group(value: Decimal, places: int) -> str:
    quantum = Decimal(1).scaleb(-places)
    return f"{value.quantize(quantum, rounding=ROUND_HALF_UP):,.{places}f}"


@register.filter
def yuan(value):
    """20000000 → 20,000,000.00 元"""
    if value in (None, ""):
        return "—"
    return f"{_group(Decimal(value), 2)} 元"


@register.filter
def wan(value):
    """20000000 → 2,000.00 万元 (exact: 元 ÷ 10,000, rounded half up to the fen of 万元)."""
    if value in (None, ""):
        return "—"
    return f"{_group(Decimal(value) / Decimal(10000), 2)} 万元"


@register.filter
def cn_date(value, tz=None):
    """A date as 2026年3月1日; a moment as 2026年3月1日 09:30 in ``tz`` (the current time zone unless given:
    code formatting many rows looks the zone up once)."""
    if not value:
        return "—"
    if hasattr(value, "hour"):
        value = value.astimezone(tz) if tz is not None else timezone.localtime(value)
        return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"
    return f"{value.year}年{value.month}月{value.day}日"


@lru_cache(maxsize=64)
def stage_badge_html(stage: str) -> str:
    """The badge of a lifecycle stage (its colour and label), for templates and for rows built in code; built once
    per stage and process (the labels are fixed Chinese text, not translated per request)."""
    from projects.models import STAGE_TONES, Stage

    return format_html('<span class="badge tone-{}">{}</span>', STAGE_TONES[stage], Stage(stage).label)


@register.simple_tag
def stage_badge(project):
    return stage_badge_html(project.stage)


@register.simple_tag
def cite(citation):
    """A link to the article a finding cites. Accepts a Citation or its dict form."""
    if isinstance(citation, dict):
        article = citation["article"]
        label = citation.get("label") or citation.get("citation_label") or f"第{article}条"
    else:
        article, label = citation.article, citation.label
    return format_html('<a class="cite" href="{}">{}</a>', _article_url(article, get_script_prefix(), get_urlconf()),
                       label)


@lru_cache(maxsize=256)
def _article_url(article, script_prefix: str, urlconf) -> str:
    # The measures have 54 articles; pages cite one per row (to-do, timeline, audit), so each URL is reversed once
    # per process (and again under another script prefix or URLconf, which reverse() depends on).
    return reverse("regulation:article", args=[article])


@register.filter
def finding_link(finding):
    citation = finding.get("citation", {}) if isinstance(finding, dict) else finding.citation
    return cite(citation if not isinstance(finding, dict) else {**citation, "label": finding.get("citation_label")})


@register.simple_tag
def cite_article(number):
    from rules.findings import Citation

    return cite(Citation(int(number)))


@register.filter
def stage_label(code):
    """A stage code from an audit event ('submitted') → its Chinese label (已申报)."""
    from projects.models import Stage

    try:
        return Stage(code).label
    except ValueError:
        return code

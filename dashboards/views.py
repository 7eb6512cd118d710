"""Dashboards, drill-down lists, exports, the printable record and the public feed (issue 6 §3–§4).

Who may use each page is decided here; projects are fetched only through projects.selectors."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.models import AuditEvent
from audit.services import record
from projects.models import Stage
from projects.selectors import can_see_portfolio, get_project_for_user
from projects.views import filter_projects

from . import exports, feed, selectors, snapshots
from .models import PUBLIC_FIELDS
from .pdf import project_record_pdf

WAN = Decimal("10000")


def _drill(figure: str, key="") -> str:
    return f"{reverse('dashboards:drill')}?{urlencode({'figure': figure, 'key': key})}"


def _projects_link(**filters) -> str:
    return f"{reverse('projects:list')}?{urlencode({k: v for k, v in filters.items() if v not in (None, '')})}"


def _wan(value: Decimal) -> float:
    """A chart's bar height in 万元 (display only; the tables show exact yuan)."""
    return float((value / WAN).quantize(Decimal("0.01")))


def province_charts(data: dict) -> dict:
    """The chart specifications handed to charts.js through json_script: categories, series and, for every
    data point, the link to the projects behind it. ``data`` is the figures as dashboards.snapshots.load gives them."""
    years = sorted({r["year"] for r in data["stage_year"]})
    stages = [s for s in Stage if any(r["stage"] == s for r in data["stage_year"])]
    counts = {(r["stage"], r["year"]): r["n"] for r in data["stage_year"]}
    stage_year = {
        "stacked": True, "unit": "个", "categories": [str(y) for y in years],
        "series": [{"name": s.label, "data": [counts.get((s.value, y), 0) for y in years],
                    "links": [_projects_link(stage=s.value, year=y) for y in years]} for s in stages],
    }
    units = data["by_unit"]
    unit_links = [_drill("unit", r["unit_id"]) for r in units]
    by_unit = {
        "unit": "万元", "categories": [r["unit__name"] for r in units],
        "series": [{"name": "申报总投资", "data": [_wan(r["declared"]) for r in units], "links": unit_links},
                   {"name": "批复总投资", "data": [_wan(r["approved"]) for r in units], "links": unit_links}],
    }
    opinions = data["opinions"]
    opinion_links = [_drill("opinion", o["body_id"]) for o in opinions]
    opinion = {
        "unit": "天", "categories": [o["body"] for o in opinions],
        "series": [{"name": "平均答复用时", "data": [o["summary"]["avg"] for o in opinions], "links": opinion_links},
                   {"name": "最长答复用时", "data": [o["summary"]["max"] for o in opinions], "links": opinion_links}],
    }
    rect = data["rectifications"]
    rect_links = [_drill("rectifications_open", r["finding__project__unit_id"]) for r in rect]
    rectifications = {
        "stacked": False, "unit": "项", "categories": [r["finding__project__unit__name"] for r in rect],
        "series": [{"name": "未完成整改", "data": [r["n"] for r in rect], "links": rect_links},
                   {"name": "其中已逾期", "data": [r["overdue"] for r in rect], "links": rect_links}],
    }
    return {"stage_year": stage_year, "by_unit": by_unit, "opinion": opinion, "rectifications": rectifications}


@login_required
@require_GET
def index(request):
    if can_see_portfolio(request.user):
        return redirect("dashboards:province")
    if selectors.is_unit_user(request.user):
        return redirect("dashboards:unit")
    raise PermissionDenied("您的角色没有可查看的看板")


@login_required
@require_GET
def province(request):
    if not can_see_portfolio(request.user):
        raise PermissionDenied("只有领导小组办公室、省发展改革委、财政厅等审核部门和审计人员可以查看省级看板")
    # The stored figures (a few minutes old at most, recomputed on the task queue), not an aggregation of the
    # whole portfolio per request (issue #8): dashboards.snapshots.
    shown = snapshots.province_for(request.user)
    # first: reading the figures may find a newer snapshot (its time is then shown)
    html = figures_html(shown, all_units=request.GET.get("units") == "all")
    return render(request, "dashboards/province.html", {
        "today": shown.today, "as_of": snapshots.beijing_time(shown.computed_at),
        "may_refresh": snapshots.may_refresh(request.user), "figures_html": html})


# Rendered figures by snapshot, per process: (scope, row, computed_at) → HTML. Rendering the ≈ 120 KB of tables and
# chart data took ≈ 25 ms at 10,000 projects; the snapshot changes every few minutes, the HTML with it.
_RENDERED: dict[tuple[str, bool], tuple[tuple, str]] = {}


# The per-unit table and chart show the units with the most declared investment; ``?units=all`` lists every unit
# by name. At 100,000 projects every unit inline made the page 918 KB (issue #8), and a chart of thousands of bars
# shows nothing.
UNITS_SHOWN = 30


def figures_html(shown: snapshots.Shown, *, all_units: bool = False) -> str:
    """The figures part of the province page (tables and chart data), from the figures alone."""
    if shown.key is not None:
        cached = _RENDERED.get((shown.key[0], all_units))
        if cached is not None and cached[0] == shown.key:
            return cached[1]
    data = dict(shown.figures)  # may move shown.key to a newer snapshot
    units_total = len(data["by_unit"])
    if not all_units and units_total > UNITS_SHOWN:
        data["by_unit"] = sorted(data["by_unit"], key=lambda r: (-r["declared"], r["unit__name"]))[:UNITS_SHOWN]
    years = sorted({r["year"] for r in data["stage_year"]})
    stages = [s for s in Stage if any(r["stage"] == s for r in data["stage_year"])]
    counts = {(r["stage"], r["year"]): r["n"] for r in data["stage_year"]}
    stage_table = [{"stage": s, "cells": [(y, counts.get((s.value, y), 0)) for y in years]} for s in stages]
    html = render_to_string("dashboards/_province_figures.html", {
        **data, "years": years, "stage_table": stage_table, "charts": province_charts(data),
        "rectifications_total": sum(r["n"] for r in data["rectifications"]),
        "rectifications_overdue": sum(r["overdue"] for r in data["rectifications"]),
        "units_total": units_total, "all_units": all_units, "units_shown": UNITS_SHOWN,
    })
    if shown.key is not None:
        _RENDERED[(shown.key[0], all_units)] = (shown.key, html)
    return html


@login_required
@require_POST
def province_refresh(request):
    """Recompute the province dashboard's stored figures now (audited), then show them."""
    if not snapshots.may_refresh(request.user):
        raise PermissionDenied("只有领导小组办公室、省发展改革委、财政厅等审核部门的审核人可以刷新省级看板数据")
    computed = snapshots.compute(snapshots.PROVINCE)  # outside the transaction: it only reads
    with transaction.atomic():
        snapshot = snapshots.store(computed)
        record(actor=request.user, action=snapshots.REFRESH_ACTION, object_label="省级看板",
               after={"scope": snapshot.scope, "today": snapshot.today.isoformat(),
                      "computed_at": snapshot.computed_at.isoformat(), "total": snapshot.figures["total"]})
    messages.success(request, f"已刷新省级看板：数据截至 {snapshots.beijing_time(snapshot.computed_at)}（北京时间）")
    return redirect("dashboards:province")


@login_required
@require_GET
def unit(request):
    if not selectors.is_unit_user(request.user):
        raise PermissionDenied("只有项目单位的填报人或负责人可以查看本单位看板")
    today = timezone.localdate()
    data = selectors.unit_dashboard(request.user, today)
    return render(request, "dashboards/unit.html", {**data, "today": today, "unit": request.user.organisation})


@login_required
@require_GET
def drill(request):
    figure = request.GET.get("figure", "")
    if figure not in selectors.FIGURES:
        raise PermissionDenied("未知的统计项")
    if not (can_see_portfolio(request.user) or selectors.is_unit_user(request.user)):
        raise PermissionDenied("您的角色没有可查看的看板")
    key = request.GET.get("key", "")
    today = timezone.localdate()
    qs = selectors.drill_projects(request.user, figure, key, today).order_by("-year", "number")
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "dashboards/drill.html", {"figure": selectors.FIGURES[figure], "page": page,
                                                     "query": query.urlencode(), "key": key})


def _generated() -> str:
    return f"{timezone.localtime():%Y-%m-%d %H:%M}"


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=exports.XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


@login_required
@require_GET
def export_projects(request):
    """项目台账 with the same filters as /projects/ (projects.views.filter_projects), audited as an export."""
    form, qs = filter_projects(request.user, request.GET)
    params = {k: v for k, v in request.GET.items() if v and k != "page"}
    content = exports.ledger_workbook(qs, filters=urlencode(params), generated=_generated())
    with transaction.atomic():
        record(actor=request.user, action="export.project_ledger", object_label="项目台账",
               after={"filters": params, "rows": qs.count()})
    return _xlsx(content, "project-ledger.xlsx")


@login_required
@require_GET
def export_rectifications(request):
    from oversight.selectors import visible_rectifications

    rectifications = visible_rectifications(request.user)
    content = exports.rectifications_workbook(rectifications, generated=_generated())
    with transaction.atomic():
        record(actor=request.user, action="export.rectifications", object_label="限期整改",
               after={"rows": rectifications.count()})
    return _xlsx(content, "rectifications.xlsx")


@login_required
@require_GET
def project_record(request, pk: int):
    """A project's full record as PDF: 404 for a project the user may not see; audited."""
    project = get_project_for_user(request.user, pk)
    events = list(AuditEvent.objects.filter(project=project).order_by("seq")[:2000])
    content = project_record_pdf(project, events, printed_by=request.user.get_username())
    with transaction.atomic():
        record(actor=request.user, action="export.project_record", obj=project, project=project,
               after={"format": "pdf", "events": len(events)})
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{project.number}-record.pdf"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def public_feed_config(request):
    if not feed.may_configure(request.user):
        raise PermissionDenied("只有领导小组办公室可以配置政务公开字段")
    error = ""
    if request.method == "POST":
        try:
            feed.feed_configure(actor=request.user, fields=request.POST.getlist("fields"))
        except ValidationError as exc:
            error = "；".join(exc.messages)
        else:
            messages.success(request, "已保存政务公开字段")
            return redirect("dashboards:public_feed_config")
    chosen = set(request.POST.getlist("fields")) if error else set(feed.published_fields())
    return render(request, "dashboards/public_feed_config.html", {
        "choices": [(f, label, f in chosen) for f, label in PUBLIC_FIELDS.items()], "error": error,
        "count": len(feed.published_projects())}, status=400 if error else 200)


# --- public (no login) ---------------------------------------------------------------------------

@require_GET
def public_projects_json(request):
    fields = feed.published_fields()
    return JsonResponse({"fields": {f: PUBLIC_FIELDS[f] for f in fields},
                         "projects": feed.published_projects(fields)},
                        json_dumps_params={"ensure_ascii": False})


@require_GET
def public_projects_page(request):
    fields = feed.published_fields()
    rows = feed.published_projects(fields)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "dashboards/public_projects.html", {
        "headers": [PUBLIC_FIELDS[f] for f in fields],
        "rows": [[row[f] for f in fields] for row in page], "page": page})

from html import escape

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from accounts.models import PROJECT_UNIT_KINDS, OrgKind, Role
from projects.models import Project, Stage
from projects.selectors import visible_projects
from projects.views import detail_url
from web.templatetags.zw import cite, cn_date, stage_badge_html

# What awaits whom, by stage: the stage's next step and the body or unit that takes it.
UNIT_STEPS = {
    Stage.DRAFT: "完善申报材料并提交",
    Stage.LISTED: "报送审批材料（可研/初设、实施方案或服务需求方案）",
    Stage.APPROVED: "开工建设",
    Stage.IN_CONSTRUCTION: "组织建设，完成后开始试运行",
    Stage.TRIAL_RUN: "试运行期满后申请验收",
    Stage.ACCEPTANCE_FAILED: "整改后重新申请验收",
}
_SECURITY_OPINION = {Stage.UNDER_APPROVAL: "出具信息安全审核意见（第二十二条）"}
BODY_STEPS = {
    OrgKind.LEADING_GROUP_OFFICE: {Stage.SUBMITTED: "集中审查，确定是否列入年度清单"},
    OrgKind.DRC: {Stage.SUBMITTED: "集中审查：记录审查结论（第十七条）", Stage.UNDER_APPROVAL: "征求意见、组织评估并批复",
                  Stage.ACCEPTANCE_APPLIED: "组织竣工验收"},
    OrgKind.FINANCE: {Stage.SUBMITTED: "集中审查：记录审查结论（第十七条）",
                      Stage.UNDER_APPROVAL: "出具项目资金审核意见（第二十二条）"},
    OrgKind.BIG_DATA_CENTER: {Stage.SUBMITTED: "集中审查：记录审查结论（第十七条）",
                              Stage.UNDER_APPROVAL: "出具技术审核意见（第二十二条）"},
    # Opinion bodies see only the projects whose opinion they were asked for.
    OrgKind.CYBERSPACE_OFFICE: _SECURITY_OPINION, OrgKind.SECRECY_BUREAU: _SECURITY_OPINION,
    OrgKind.ECONOMY_IT_DEPARTMENT: _SECURITY_OPINION, OrgKind.PUBLIC_SECURITY: _SECURITY_OPINION,
    OrgKind.CRYPTOGRAPHY_BUREAU: {Stage.UNDER_APPROVAL: "出具项目安全可靠和密码应用合规性审核意见（第二十二条）"},
}


TODO_COLUMNS = ("pk", "number", "name", "unit__name", "stage")


def todo_items(user):
    """What awaits the user's unit or body now, by stage: dicts of the project (a tuple of TODO_COLUMNS) and
    the step that awaits."""
    items = []
    if user.org_kind in PROJECT_UNIT_KINDS and user.has_role(Role.FILER, Role.UNIT_HEAD):
        # A unit's filers and head see every project of their unit (visible_projects' first condition): the query
        # needs no other (their OR cost more to compile than the query takes to run, issue #8).
        for project in (Project.objects.filter(unit_id=user.organisation_id, stage__in=list(UNIT_STEPS))
                        .order_by("stage", "number").values_list(*TODO_COLUMNS)[:100]):
            items.append({"project": project, "what": UNIT_STEPS[project[4]]})
    steps = BODY_STEPS.get(user.org_kind, {}) if user.has_role(Role.REVIEWER) else {}
    if steps:
        for project in visible_projects(user).filter(stage__in=list(steps)).order_by("stage", "number").values_list(*TODO_COLUMNS)[:100]:
            items.append({"project": project, "what": steps[project[4]]})
    return items


def todo_rows_html(items) -> str:
    """The rows of 当前待办 (up to 200), built here rather than in the template as the ledger's rows are
    (projects.views.ledger_rows_html). Every text value is HTML-escaped."""
    detail = detail_url()
    return mark_safe("\n".join(  # noqa: S308 - every value is escaped
        f'<tr><td><a href="{detail(pk)}">{escape(number)} {escape(name)}</a></td><td>{escape(unit)}</td>'
        f"<td>{stage_badge_html(stage)}</td>"
        f"<td>{escape(item['what'])}</td></tr>"
        for item in items for pk, number, name, unit, stage in [item["project"]]))


def reminder_days(user, today) -> int:
    """The profile's ``reminder.days_before_due`` for the user's jurisdiction (how far ahead “due soon” looks)."""
    from policy.profiles import NoProfileInForce
    from policy.services import resolve_for

    if user.organisation_id is None:
        return 0
    try:
        return resolve_for(user.organisation.jurisdiction.code, today).value("reminder.days_before_due")
    except NoProfileInForce:
        return 0


def obligation_rows_html(rows, *, overdue_badge: bool = False) -> str:
    """The rows of 已逾期 and 即将到期 (obligations.selectors.TodoRow): the duty linked to where it is done, the
    article it comes from, its due date and, for the overdue ones, their status. Every text value is escaped."""
    return mark_safe("\n".join(  # noqa: S308 - every value is escaped or built by format_html
        f'<tr><td><a href="{escape(o.url)}">{escape(o.title)}</a></td><td>{cite(o.citation)}</td>'
        f"<td>{cn_date(o.due_on)}</td>"
        + (f'<td><span class="badge tone-red">{escape(o.get_status_display())}</span></td>' if overdue_badge else "")
        + "</tr>" for o in rows))


def sanction_items_html(rows) -> str:
    """The list items of 限制措施（提示）."""
    return mark_safe("".join(  # noqa: S308 - every value is escaped or built by format_html
        f'<li><a href="{escape(o.url)}">{escape(o.title)}</a>（{cite(o.citation)}）</li>' for o in rows))


@login_required
@require_GET
def home(request):
    """The to-do list (待办): what awaits the user's action now (by stage), what is due soon, what is overdue."""
    from obligations.selectors import todo_for, unread_notifications

    today = timezone.localdate()
    items = todo_items(request.user)
    todo = todo_for(request.user, today, reminder_days(request.user, today))
    return render(request, "web/home.html", {
        "items": items, "item_rows": todo_rows_html(items), "todo": todo, "today": today,
        "overdue_rows": obligation_rows_html(todo.overdue, overdue_badge=True),
        "due_soon_rows": obligation_rows_html(todo.due_soon), "sanction_items": sanction_items_html(todo.informational),
        "unread": unread_notifications(request.user).count()})


@require_GET
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def server_error(request):
    """A generic page with the error id that is in the log; never a traceback (SECURITY.md 24).

    API callers get the same as JSON. The page renders without context processors or the base template
    so that it still works when the database or a template tag is what failed."""
    if request.path.startswith("/api/"):
        from api.errors import server_error_body

        return JsonResponse(server_error_body(request), status=500, json_dumps_params={"ensure_ascii": False})
    from django.template import loader

    html = loader.get_template("500.html").render({"error_id": getattr(request, "request_id", "")})
    return HttpResponseServerError(html)


def bad_request(request, exception):
    """400 in Chinese: a body over DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields, a bad Host header."""
    from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent

    if isinstance(exception, RequestDataTooBig):
        message, status = f"提交的内容过大：不能超过 {settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024} KiB（文件请用上传功能）。", 413
    elif isinstance(exception, TooManyFieldsSent):
        message, status = "提交的字段过多。", 400
    else:
        message, status = "请求的格式或内容无效，请检查后重新提交。", 400
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": [{"field": "请求体", "message": message}]}, status=status,
                            json_dumps_params={"ensure_ascii": False})
    from django.template import loader

    html = loader.get_template("400.html").render({"message": message}, request)
    return HttpResponse(html, status=status)

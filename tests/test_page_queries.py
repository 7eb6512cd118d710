"""Issue #8: the ledger, the project timeline and the to-do list do a fixed number of queries whatever the number
of rows they show, and still show what they showed before (rows, labels tied to inputs, who sees what).

The rows of these pages are built in Python (projects.views.ledger_rows_html, timeline_rows_html,
web.views.todo_rows_html), the filter form's widgets without Django's widget templates
(projects.forms.WidgetsInPython), and the timeline shows the latest events with a link to the earlier ones."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role, RoleAssignment
from audit.services import record
from obligations.models import Obligation, ObligationKind, ObligationStatus
from projects.forms import ProjectFilterForm
from projects.models import Project, Stage
from projects.selectors import visible_projects
from projects.views import TIMELINE_PAGE
from tests import factories

pytestmark = pytest.mark.django_db


def _queries(client, url, **params):
    client.get(url, params)  # warm per-process caches (navigation, profiles) so every size is measured alike
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def _projects(filer, count, start=0):
    return [factories.project(filer, name=f"台账项目{i:03d}", total_investment=f"{1_000_000 + i}.00")
            for i in range(start, start + count)]


# --- the ledger -----------------------------------------------------------------------------------


def test_the_ledger_does_the_same_queries_for_one_row_and_for_a_full_page(filer_a, client_for):
    client = client_for(filer_a)
    _projects(filer_a, 1)
    few, html = _queries(client, "/projects/", sort="-investment", min_investment="1000000")
    assert html.count("台账项目") == 1
    _projects(filer_a, 29, start=1)
    many, html = _queries(client, "/projects/", sort="-investment", min_investment="1000000")
    assert html.count("台账项目") == 25 and "共 30 个项目" in html
    assert many == few


def test_the_ledger_rows_show_number_name_unit_year_mode_investment_and_stage(filer_a, client_for):
    project = factories.project(filer_a, name="<b>台账</b>项目", total_investment="12345678.90")
    html = client_for(filer_a).get("/projects/").content.decode()
    row = re.search(r"<tr><td>" + project.number + r"</td>.*?</tr>", html, re.S).group(0)
    assert f'<a href="/projects/{project.pk}/">&lt;b&gt;台账&lt;/b&gt;项目</a>' in row  # escaped, linked
    assert "<td>测试单位甲</td>" in row and "<td>2027</td>" in row and "<td>自行建设</td>" in row
    assert '<td class="num">1,234.57 万元</td>' in row
    assert '<span class="badge tone-grey">草稿</span>' in row


def test_the_filter_form_keeps_its_labels_values_and_selection(filer_a, client_for):
    html = client_for(filer_a).get("/projects/", {"stage": "draft", "q": '"甲"<', "delivery_mode": "self_built"}
                                   ).content.decode()
    form = re.search(r'<form class="filters".*?</form>', html, re.S).group(0)
    # Every input sits inside a label naming it (for= the input's id): screen readers announce the label.
    for name, label in [("q", "名称或编号"), ("stage", "阶段"), ("year", "年度"), ("delivery_mode", "实施方式"),
                        ("unit", "项目单位"), ("min_investment", "总投资不少于（元）"),
                        ("max_investment", "总投资不超过（元）")]:
        assert re.search(rf'<label for="id_{name}">{re.escape(label)}<(input|select)[^>]* name="{name}"'
                         rf'|<label for="id_{name}">{re.escape(label)}<(input|select) [^>]*id="id_{name}"', form), name
    assert 'value="&quot;甲&quot;&lt;"' in form
    assert '<option value="draft" selected>草稿</option>' in form
    assert '<option value="self_built" selected>自行建设</option>' in form
    assert '<option value="" selected>' not in form.split('name="delivery_mode"')[1].split("</select>")[0]
    assert '<option value="accepted">已验收（运行中）</option>' in form


def test_the_filter_form_renders_as_djangos_own_widgets_do():
    """WidgetsInPython gives the markup of Django's widget templates, bound or not, valid or not."""
    from django.forms.renderers import DjangoTemplates

    class WithDjangoTemplates(ProjectFilterForm):
        default_renderer = DjangoTemplates()

    def squeeze(html):
        return re.sub(r"\s+", "", str(html))

    for data in (None, {"stage": "accepted", "q": "<x>&", "year": "abc", "min_investment": "-1", "unit": '"'},
                 {"delivery_mode": "purchased_service", "max_investment": "12.5", "year": "2027"}):
        ours, theirs = ProjectFilterForm(data), WithDjangoTemplates(data)
        for mine, django_s in zip(ours, theirs, strict=True):
            assert squeeze(mine.as_widget()) == squeeze(django_s.as_widget())


def test_the_ledger_filters_checked_once_per_input_are_those_of_a_fresh_form():
    """projects.views.checked_filters keeps each distinct input's outcome: the same validity, values and HTML as a
    form built for the request, whatever came before it (each input is asked twice, in two orders)."""
    from django.http import QueryDict

    from projects.views import checked_filters, filter_key

    queries = ["", "page=3", "stage=accepted&sort=-year", "year=abc", "year=2027&year=abc", "year=abc&year=2027",
               "q=%3Cx%3E%26&unit=%22&min_investment=-1", "min_investment=100&max_investment=12.5",
               "delivery_mode=purchased_service&stage=nonsense", "stage=&q=", "max_investment=1e400"]
    for round_ in (queries, list(reversed(queries))):
        for query in round_:
            params = QueryDict(query)
            fresh = ProjectFilterForm(params or None)
            checked = checked_filters(filter_key(params))
            assert checked.valid == fresh.is_valid(), query
            assert dict(checked.cleaned_data) == (fresh.cleaned_data if fresh.is_valid() else {}), query
            assert str(checked.as_filters) == str(fresh.as_filters()), query


def test_a_wrong_filter_value_is_said_next_to_its_field(filer_a, client_for):
    html = client_for(filer_a).get("/projects/", {"year": "abc"}).content.decode()
    assert 'aria-invalid="true" aria-describedby="id_year_error"' in html
    assert re.search(r'<span class="errorlist" id="id_year_error">[^<]+</span>', html)


@pytest.mark.parametrize("stage", [s.value for s in Stage])
def test_narrowing_to_a_stage_shows_exactly_the_visible_projects_of_that_stage(stage, filer_a, filer_b, drc_reviewer,
                                                                                 cyber_reviewer, auditor):
    """visible_projects(user, stage=…) leaves out the visibility condition for a portfolio body: the same rows."""
    from projects.services import transition_project

    mine, theirs = factories.project(filer_a, name="甲"), factories.project(filer_b, name="乙")
    with transaction.atomic():
        transition_project(actor=filer_b, project_id=theirs.pk, transition="submit", action="test.submitted")
    for user in (filer_a, filer_b, drc_reviewer, cyber_reviewer, auditor):
        expected = set(visible_projects(user).filter(stage=stage).values_list("pk", flat=True))
        assert set(visible_projects(user, stage=stage).values_list("pk", flat=True)) == expected
    assert mine.pk not in set(visible_projects(drc_reviewer, stage=Stage.DRAFT).values_list("pk", flat=True))
    assert theirs.pk in set(visible_projects(drc_reviewer, stage=Stage.SUBMITTED).values_list("pk", flat=True))


def test_a_portfolio_body_filtering_drafts_sees_no_units_drafts(filer_a, drc_reviewer, client_for):
    factories.project(filer_a, name="甲单位草稿")
    html = client_for(drc_reviewer).get("/projects/", {"stage": "draft"}).content.decode()
    assert "甲单位草稿" not in html and "共 0 个项目" in html
    assert "甲单位草稿" in client_for(filer_a).get("/projects/", {"stage": "draft"}).content.decode()


# --- the project timeline -------------------------------------------------------------------------


def _events(project, actor, count):
    with transaction.atomic():
        for i in range(count):
            record(actor=actor, action=f"test.step_{i:03d}", project=project, obj=project,
                   after={"stage": "draft"} if i % 2 else {})


def _timeline_actions(html):
    return re.findall(r"<code>(test\.step_\d+)</code>", html)


def test_the_timeline_shows_the_latest_events_and_every_earlier_one_is_reachable(filer_a, client_for):
    project = factories.project(filer_a)
    _events(project, filer_a, 2 * TIMELINE_PAGE + 7)
    client = client_for(filer_a)
    html = client.get(f"/projects/{project.pk}/").content.decode()
    shown = _timeline_actions(html)
    assert len(shown) == TIMELINE_PAGE and shown == sorted(shown)  # oldest first within the page
    assert shown[-1] == f"test.step_{2 * TIMELINE_PAGE + 6:03d}"  # ends with the latest
    seen = list(shown)
    while (link := re.search(r'href="\?before=(\d+)#timeline"', html)):
        assert "更早的记录" in html
        html = client.get(f"/projects/{project.pk}/", {"before": link.group(1)}).content.decode()
        assert "回到最新记录" in html
        seen = _timeline_actions(html) + seen
    assert seen == [f"test.step_{i:03d}" for i in range(2 * TIMELINE_PAGE + 7)]  # no gap, no repeat
    assert "project.created" in html  # the first event of all (creating the project) is on the last page


def test_the_earlier_events_load_in_place_for_htmx(filer_a, client_for):
    project = factories.project(filer_a)
    _events(project, filer_a, TIMELINE_PAGE + 3)
    client = client_for(filer_a)
    html = client.get(f"/projects/{project.pk}/").content.decode()
    before = re.search(r'hx-get="\?before=(\d+)" hx-target="#timeline-earlier" hx-swap="outerHTML"', html).group(1)
    fragment = client.get(f"/projects/{project.pk}/", {"before": before}, HTTP_HX_REQUEST="true")
    assert "HX-Request" in fragment["Vary"]
    body = fragment.content.decode()
    assert "<html" not in body and body.strip().startswith("<tr")
    assert _timeline_actions(body) == ["test.step_000", "test.step_001", "test.step_002"]
    assert "更早的记录" not in body  # the project's first events: nothing before them


def test_the_timeline_rows_show_time_actor_action_stage_change_and_citations(filer_a, client_for):
    project = factories.project(filer_a)
    with transaction.atomic():
        record(actor=filer_a, action="test.concluded", project=project, obj=project,
               before={"stage": "submitted"}, after={"stage": "listed"},
               findings=[{"outcome": "fail", "message": "<缺少>材料", "citation": {"article": 16},
                          "citation_label": "第十六条"}])
    html = client_for(filer_a).get(f"/projects/{project.pk}/").content.decode()
    row = re.search(r"<tr><td>[^<]*</td><td>filer_a.*?<code>test.concluded</code>.*?</tr>", html, re.S).group(0)
    assert "已申报 → 已列入年度清单" in row
    assert '<div class="outcome-fail"><a class="cite" href="/regulation/articles/16/">第十六条</a> &lt;缺少&gt;材料</div>' in row
    now = timezone.localtime()
    assert f"{now.year}年{now.month}月{now.day}日" in row and '<span class="muted">测试单位甲</span>' in row


def test_the_project_page_does_the_same_queries_for_few_and_many_events(filer_a, client_for):
    project = factories.project(filer_a)
    client = client_for(filer_a)
    few, _ = _queries(client, f"/projects/{project.pk}/")
    _events(project, filer_a, TIMELINE_PAGE + 20)
    many, html = _queries(client, f"/projects/{project.pk}/")
    assert len(_timeline_actions(html)) == TIMELINE_PAGE and many == few


# --- the to-do list ---------------------------------------------------------------------------------


def _obligation(project, key, **values):
    today = timezone.localdate()
    defaults = {"organisation": project.unit, "project": project, "kind": ObligationKind.MONITORING_REPORT,
                "title": f"义务{key}", "article": 36, "opens_on": today - timedelta(days=30),
                "due_on": today + timedelta(days=3), "remind_on": today - timedelta(days=1),
                "status": ObligationStatus.OPEN, "url_name": "projects:detail", "url_args": [project.pk]}
    return Obligation.objects.create(source_key=f"test:{key}", **(defaults | values))


def _todo_sections(html):
    return {h: re.findall(r">(义务[^<]+)</a>", section) for h, section in
            re.findall(r'<h2 id="([a-z-]+)">.*?</h2>(.*?)(?=<h2|<p><a href="/obligations/)', html, re.S)}


def test_the_todo_list_sorts_duties_into_overdue_due_soon_and_sanctions(filer_a, client_for):
    project = factories.project(filer_a)
    today = timezone.localdate()
    _obligation(project, "逾期", status=ObligationStatus.OVERDUE, due_on=today - timedelta(days=2))
    _obligation(project, "将到期")
    _obligation(project, "尚早", due_on=today + timedelta(days=300), remind_on=today + timedelta(days=290))
    _obligation(project, "已完成", status=ObligationStatus.DONE, done_on=today)
    _obligation(project, "限制", kind=ObligationKind.SANCTION, due_on=None, remind_on=None, article=32)
    html = client_for(filer_a).get("/").content.decode()
    sections = _todo_sections(html)
    assert sections["overdue"] == ["义务逾期"] and sections["due-soon"] == ["义务将到期"]
    assert sections["sanctions"] == ["义务限制"]
    assert "义务尚早" not in html and "义务已完成" not in html
    assert '<span class="badge tone-red">已逾期</span>' in html
    assert f'<a href="/projects/{project.pk}/">义务逾期</a>' in html
    assert '<a class="cite" href="/regulation/articles/32/">' in html


def test_the_todo_list_does_the_same_queries_for_few_and_many_rows(filer_a, client_for):
    client = client_for(filer_a)
    first = factories.project(filer_a, name="待办项目000")
    _obligation(first, "0")
    few, html = _queries(client, "/")
    assert html.count("待办项目") == 1
    for i in range(1, 12):
        project = factories.project(filer_a, name=f"待办项目{i:03d}")
        _obligation(project, f"{i}", status=ObligationStatus.OVERDUE if i % 2 else ObligationStatus.OPEN,
                    due_on=timezone.localdate() + timedelta(days=-1 if i % 2 else 2))
        _obligation(project, f"s{i}", kind=ObligationKind.SANCTION, due_on=None, remind_on=None)
    many, html = _queries(client, "/")
    assert html.count("待办项目") == 12 and len(re.findall(r">义务s\d+</a>", html)) == 11
    assert many == few


def test_the_todo_list_shows_the_most_urgent_rows_of_each_list_and_counts_them_all(filer_a, client_for):
    from obligations.selectors import TODO_SHOWN

    project = factories.project(filer_a)
    today = timezone.localdate()
    for i in range(TODO_SHOWN + 5):  # due 1 … 25 days ago, created in an order that is not the due order
        days = (i * 7) % (TODO_SHOWN + 5) + 1
        _obligation(project, f"逾期{days:02d}", status=ObligationStatus.OVERDUE, due_on=today - timedelta(days=days))
    for i in range(3):
        _obligation(project, f"限制{i}", kind=ObligationKind.SANCTION, due_on=None, remind_on=None,
                    opens_on=today - timedelta(days=10 - i))
    _obligation(project, "将到期")
    html = client_for(filer_a).get("/").content.decode()
    sections = _todo_sections(html)
    assert f"已逾期（{TODO_SHOWN + 5}）" in html
    # The longest overdue come first: due 25 … 6 days ago.
    assert sections["overdue"] == [f"义务逾期{d:02d}" for d in range(TODO_SHOWN + 5, 5, -1)]
    assert f'<a href="/obligations/?status=overdue">查看全部 {TODO_SHOWN + 5} 项已逾期事项</a>' in html
    assert sections["due-soon"] == ["义务将到期"] and "即将到期（7 日内，1）" in html
    assert sections["sanctions"] == ["义务限制0", "义务限制1", "义务限制2"]  # in the order they took effect
    assert "查看全部义务与期限" not in html  # one due-soon row: nothing left out


def test_the_todo_totals_are_counted_when_more_rows_exist_than_are_read(filer_a, client_for, monkeypatch):
    from obligations import selectors

    monkeypatch.setattr(selectors, "TODO_ROWS", 5)
    monkeypatch.setattr(selectors, "TODO_SHOWN", 3)
    project = factories.project(filer_a)
    today = timezone.localdate()
    for days in range(1, 8):
        _obligation(project, f"逾期{days}", status=ObligationStatus.OVERDUE, due_on=today - timedelta(days=days))
    _obligation(project, "将到期")
    todo = selectors.todo_for(filer_a, today, 7)
    assert (todo.overdue_total, todo.due_soon_total, todo.informational_total) == (7, 1, 0)
    assert [o.title for o in todo.overdue] == ["义务逾期7", "义务逾期6", "义务逾期5"]
    html = client_for(filer_a).get("/").content.decode()
    assert "已逾期（7）" in html and "查看全部 7 项已逾期事项" in html


def test_the_todo_statement_reads_exactly_the_rows_of_the_orm_query(filer_a, filer_b):
    """The start page reads its duties with SQL written once per process (obligations.selectors._TodoStatement,
    issue #8); for every mix of status, kind and dates, and every reminder window, it must read the rows, values and
    order of the ORM query it replaced (``todo_queryset``), and nothing of another unit."""
    import random

    from obligations import selectors

    rng = random.Random(20261128)
    today = timezone.localdate()
    mine, theirs = factories.project(filer_a), factories.project(filer_b)
    kinds = [ObligationKind.MONITORING_REPORT, ObligationKind.SANCTION, ObligationKind.ACCEPTANCE_APPLICATION]
    for i in range(60):
        kind, status = rng.choice(kinds), rng.choice(ObligationStatus.values)
        due = None if kind == ObligationKind.SANCTION and rng.random() < 0.7 else today + timedelta(days=rng.randint(-12, 20))
        opens = today + timedelta(days=rng.randint(-20, 3))
        _obligation(mine if i % 4 else theirs, f"r{i}", kind=kind, status=status, due_on=due,
                    remind_on=None if due is None or rng.random() < 0.3 else due - timedelta(days=rng.randint(0, 9)),
                    opens_on=opens if due is None else min(opens, due), url_args=[mine.pk, i] if i % 3 else [],
                    paragraph=rng.choice([None, 1, 2]), item=rng.choice([None, 3]),
                    waived_reason="豁免" if status == ObligationStatus.WAIVED else "",
                    done_on=today if status == ObligationStatus.DONE else None)
    # Each bound of the conditions met exactly, and missed by a day: the reminder date, the opening date, the due
    # date today and at the end of the window (days = 7).
    for d in (-1, 0, 1):
        _obligation(mine, f"remind{d}", remind_on=today + timedelta(days=d), due_on=today + timedelta(days=15))
        _obligation(mine, f"opens{d}", opens_on=today + timedelta(days=d), due_on=today + timedelta(days=15),
                    remind_on=today - timedelta(days=2))
        _obligation(mine, f"due{d}", due_on=today + timedelta(days=d), remind_on=None, opens_on=today - timedelta(days=3))
        _obligation(mine, f"window{d}", due_on=today + timedelta(days=7 + d), remind_on=None)
    checked = 0
    for days in (0, 3, 7, 30):
        for on in (today - timedelta(days=5), today, today + timedelta(days=6)):
            rows = selectors._todo_rows(filer_a, on, days)
            reference = [selectors.TodoRow(*v) for v in selectors.todo_queryset(filer_a, on, days)
                         .values_list(*selectors.TodoRow._fields)[:selectors.TODO_ROWS]]
            assert rows == reference
            assert all(r.project_id == mine.pk for r in rows)
            checked += len(rows)
    assert checked > 100
    assert selectors._todo_rows(filer_b, today, 7) and not selectors._todo_rows(AnonymousUser(), today, 7)


def test_the_todo_rows_link_the_project_and_say_what_awaits(filer_a, client_for):
    project = factories.project(filer_a, name="<i>待办</i>")
    html = client_for(filer_a).get("/").content.decode()
    assert (f'<tr><td><a href="/projects/{project.pk}/">{project.number} &lt;i&gt;待办&lt;/i&gt;</a></td>'
            f'<td>测试单位甲</td><td><span class="badge tone-grey">草稿</span></td><td>完善申报材料并提交</td></tr>'
            ) in html


# --- the navigation -------------------------------------------------------------------------------


def test_the_navigation_follows_each_users_roles_within_one_process(filer_a, auditor, client_for):
    def areas(user):
        html = client_for(user).get("/").content.decode()
        return re.findall(r'<li><a href="[^"]+"(?: aria-current="page")?>([^<]+)</a></li>', html)

    assert "审计日志" in areas(auditor) and "审计日志" not in areas(filer_a)
    RoleAssignment.objects.create(user=filer_a, role=Role.AUDITOR)
    assert "审计日志" in areas(filer_a)  # the added role shows on the next request
    RoleAssignment.objects.filter(user=filer_a, role=Role.AUDITOR).delete()
    assert "审计日志" not in areas(filer_a)


def test_the_current_area_is_marked(filer_a, client_for):
    html = client_for(filer_a).get("/projects/").content.decode()
    assert '<li><a href="/projects/" aria-current="page">项目</a></li>' in html
    assert '<li><a href="/">待办</a></li>' in html


def test_projects_keep_their_investment_order_with_ties_broken_by_number(filer_a, client_for):
    for i, amount in enumerate(["300", "100", "300", "200"]):
        factories.project(filer_a, name=f"排序项目{i}", total_investment=amount)
    html = client_for(filer_a).get("/projects/", {"sort": "-investment"}).content.decode()
    numbers = [p.number for p in Project.objects.filter(name__startswith="排序项目").order_by("-total_investment",
                                                                                          "number")]
    assert [n for n in re.findall(r"<tr><td>([^<]+)</td>", html) if n in numbers] == numbers
    assert Decimal("300") == Project.objects.get(number=numbers[0]).total_investment


@pytest.mark.parametrize("before", ["abc", "-5", "99999999999999999999999", ""])
def test_a_mangled_earlier_link_shows_the_latest_events(before, filer_a, client_for):
    project = factories.project(filer_a)
    _events(project, filer_a, 3)
    response = client_for(filer_a).get(f"/projects/{project.pk}/", {"before": before})
    assert response.status_code == 200
    assert _timeline_actions(response.content.decode()) == ["test.step_000", "test.step_001", "test.step_002"]

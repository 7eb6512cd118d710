"""Good to use (issue 9 §2): a refused form marks the wrong field in Chinese and keeps what was typed; a slow action
shows progress and cannot be sent twice; a destructive action asks first and cancelling changes nothing; dates,
money and stages read as Chinese."""

import datetime
import json
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import OrgKind, Role
from declarations import services as declaration_services
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_refused_form_marks_the_wrong_field_in_chinese_next_to_it(page, login, shot):
    factories.user("edu_filer", factories.org("BT-EDU", "四川省教育厅"), Role.FILER)
    login(page, "edu_filer", factories.PASSWORD)
    page.goto("/projects/new/")
    page.get_by_label("项目名称").fill("教育政务数据共享平台")
    page.get_by_label("申报年度").fill("2027")
    page.get_by_label("申报总投资（元）").fill("-5")
    page.get_by_role("button", name="保存草稿").click()

    amount = page.get_by_label("申报总投资（元）")
    expect(amount).to_have_attribute("aria-invalid", "true")
    expect(amount).to_have_value("-5")
    expect(page.get_by_label("项目名称")).to_have_value("教育政务数据共享平台")
    expect(page.get_by_label("项目名称")).not_to_have_attribute("aria-invalid", "true")
    # The message is tied to the field (aria-describedby), sits right after it, and is Chinese.
    described_by = amount.get_attribute("aria-describedby").split()
    messages = [page.locator(f"#{ident}") for ident in described_by if page.locator(f"#{ident}").count()]
    assert messages, f"aria-describedby={described_by} names no element on the page"
    expect(messages[-1]).to_contain_text("申报总投资不能为负数")
    assert page.evaluate("""() => {
      const field = document.querySelector('[aria-invalid=true]');
      return field.parentElement.contains(document.getElementById(field.id + '_error'));
    }""")
    shot(page, "field-marked-in-chinese")


def test_slow_action_shows_progress_and_cannot_be_sent_twice(page, login):
    factories.user("edu_filer", factories.org("BT-EDU", "四川省教育厅"), Role.FILER)
    login(page, "edu_filer", factories.PASSWORD)
    page.goto("/projects/new/")
    page.get_by_label("项目名称").fill("教育政务数据共享平台")
    page.get_by_label("申报年度").fill("2027")
    page.get_by_label("实施方式").select_option(label="自行建设")
    page.get_by_label("申报总投资（元）").fill("20000000")

    # What the button looks like right after the click is noted in sessionStorage (it survives the navigation),
    # and the button is clicked again while the request is under way.
    page.evaluate("""() => document.addEventListener('submit', () => setTimeout(() => setTimeout(() => {
      const b = document.querySelector('form.stack button[type=submit]');
      sessionStorage.setItem('seen', JSON.stringify({text: b.textContent, disabled: b.disabled,
                                                     busy: b.getAttribute('aria-busy')}));
      b.click();
    }, 0), 0))""")
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    held = []  # the POST is held back for a second: a server taking its time
    page.route(re.compile(r".*/projects/new/$"),
               lambda route: held.append(route) if route.request.method == "POST" else route.continue_())
    # A click through the DOM: Playwright's own click would wait for the navigation the test holds back.
    page.evaluate("() => document.querySelector('form.stack button[type=submit]').click()")
    page.wait_for_timeout(1000)
    assert len(held) == 1, held
    held[0].continue_()
    expect(page.get_by_role("status")).to_contain_text("已创建项目草稿")
    seen = json.loads(page.evaluate("() => sessionStorage.getItem('seen')"))
    assert seen == {"text": "处理中…", "disabled": True, "busy": "true"}, seen
    assert len(posts) == 1, f"one save, one request: {posts}"


def test_destructive_action_asks_first_and_cancel_changes_nothing(page, login, shot):
    office = factories.user("office_b", factories.body(OrgKind.LEADING_GROUP_OFFICE), Role.REVIEWER)
    today = timezone.localdate()
    declaration_services.round_create(actor=office, year=today.year + 1, title="",
                                      opens_on=today, closes_on=today + datetime.timedelta(days=30))
    login(page, "office_b", factories.PASSWORD)
    page.goto("/declarations/")
    row = page.locator("tbody tr").filter(has_text=f"{today.year + 1}年度政务信息化项目申报")
    expect(row.locator(".badge")).to_have_text("申报中")
    expect(row).to_contain_text(f"{today.year}年{today.month}月{today.day}日")  # dates in Chinese

    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    row.get_by_role("button", name="关闭批次").click()
    expect(row.locator(".badge")).to_have_text("申报中")
    assert questions and questions[0].startswith("确定关闭"), questions
    expect(row.get_by_role("button", name="关闭批次")).to_be_enabled()

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="关闭批次").click()
    expect(page.locator("tbody tr").first.locator(".badge")).to_have_text("已关闭")
    shot(page, "round-closed-after-confirmation")


def test_stages_read_as_chinese_words_with_one_colour_each(page, login):
    unit = factories.org("BT-EDU", "四川省教育厅")
    filer = factories.user("edu_filer", unit, Role.FILER)
    factories.project(filer, name="甲项目")
    factories.project(filer, name="乙项目", total_investment="123456789.50")
    login(page, "edu_filer", factories.PASSWORD)
    page.goto("/projects/")
    badges = page.locator("tbody .badge")
    expect(badges).to_have_count(2)
    expect(badges.first).to_have_text("草稿")
    colours = page.evaluate("""() => [...document.querySelectorAll('tbody .badge')].map(
        b => getComputedStyle(b).backgroundColor)""")
    assert len(set(colours)) == 1 and colours[0] not in ("rgba(0, 0, 0, 0)", "transparent"), colours
    page.get_by_role("link", name=re.compile("乙项目")).click()
    expect(page.get_by_role("main")).to_contain_text("123,456,789.50 元")
    expect(page.get_by_role("main")).to_contain_text("12,345.68 万元")

"""Reading the measures: search, one article, and the article on a phone."""

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_the_measures_and_read_an_article_on_a_phone(page, login, shot):
    factories.user("edu_filer", factories.org("BT-EDU", "四川省教育厅"), Role.FILER)

    login(page, "edu_filer", factories.PASSWORD)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="管理办法").click()
    expect(page.get_by_text("川办发〔2021〕49号 · 共 9 章 54 条")).to_be_visible()

    page.get_by_label("全文检索").fill("试运行")
    page.get_by_role("button", name="检索").click()
    expect(page.get_by_role("heading", name="检索管理办法")).to_be_visible()
    expect(page.get_by_text("“试运行”共找到")).to_be_visible()
    shot(page, "search-results")

    page.get_by_role("link", name="第三十一条", exact=True).click()
    expect(page.get_by_role("heading", name="第三十一条")).to_be_visible()
    expect(page.locator("article")).to_contain_text("3 个月试运行")
    shot(page, "article-31")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.get_by_role("heading", name="第三十一条")).to_be_visible()
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390, f"the article page scrolls sideways on a phone: {scroll_width}px wide"
    shot(page, "article-31-phone")

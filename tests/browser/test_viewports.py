"""Every main page at 1366×768 and on a 390×844 phone (issue 9 §2): no sideways scrolling of the page, and on the
phone the navigation folds behind a "菜单" button that opens it."""

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.pages import build_scene

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
OVERFLOW = """() => {
  const doc = document.scrollingElement;
  const wide = [...document.querySelectorAll('body *')].filter(el => {
    const r = el.getBoundingClientRect();
    return r.right > window.innerWidth + 1 && getComputedStyle(el).position !== 'absolute';
  }).slice(0, 5).map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''));
  return {scrollWidth: doc.scrollWidth, innerWidth: window.innerWidth, wide};
}"""


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_main_pages_do_not_scroll_sideways(page, login, shot, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    scene = build_scene()
    page.goto("/login/")
    measured = page.evaluate(OVERFLOW)
    problems = [f"/login/ {measured}"] if measured["scrollWidth"] > measured["innerWidth"] else []
    shot(page, f"login-{viewport}")
    for username, pages in scene.items():
        page.context.clear_cookies()
        login(page, username, factories.PASSWORD)
        for main_page in pages:
            page.goto(main_page.path)
            expect(page.locator("main")).to_contain_text(main_page.heading)
            measured = page.evaluate(OVERFLOW)
            if measured["scrollWidth"] > measured["innerWidth"]:
                problems.append(f"{username} {main_page.path} {measured}")
            if username == "edu_filer":
                shot(page, f"{main_page.name}-{viewport}")
    assert not problems, "pages wider than the screen:\n" + "\n".join(problems)


def test_phone_navigation_opens_from_the_menu_button(page, login, shot):
    build_scene()
    page.set_viewport_size(VIEWPORTS["phone"])
    login(page, "edu_filer", factories.PASSWORD)
    nav = page.get_by_role("navigation", name="主导航")
    menu = page.get_by_role("button", name="菜单")
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav.get_by_role("link", name="项目", exact=True)).to_be_hidden()
    shot(page, "phone-menu-closed")

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="项目", exact=True)).to_be_visible()
    shot(page, "phone-menu-open")
    page.keyboard.press("Escape")
    expect(nav.get_by_role("link", name="项目", exact=True)).to_be_hidden()
    expect(menu).to_be_focused()

    menu.press("Enter")  # the keyboard opens it too
    nav.get_by_role("link", name="项目", exact=True).click()
    expect(page.get_by_role("heading", name="项目台账")).to_be_visible()
    expect(page.get_by_role("button", name="菜单")).to_have_attribute("aria-expanded", "false")


def test_desktop_shows_the_navigation_without_a_menu_button(page, login):
    build_scene()
    login(page, "edu_filer", factories.PASSWORD)
    expect(page.get_by_role("button", name="菜单")).to_be_hidden()
    expect(page.get_by_role("navigation", name="主导航").get_by_role("link", name="项目", exact=True)).to_be_visible()

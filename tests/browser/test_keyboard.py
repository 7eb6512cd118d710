"""Keyboard use: the login form in tab order, with a visible focus."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUSED_OUTLINE = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {id: el.id, tag: el.tagName, text: el.textContent.trim(),
          outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth)};
}"""


def test_login_form_in_tab_order_with_visible_focus(page, shot):
    page.goto("/login/")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()

    seen = []
    for _ in range(12):  # the skip link and the brand come first; then the form
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_OUTLINE)
        seen.append(focused)
        if focused["tag"] == "BUTTON":
            break
    order = [f["id"] or f["text"] for f in seen]
    form_part = order[order.index("id_username"):]
    assert form_part == ["id_username", "id_password", "登录"], order

    for focused in seen[-3:]:
        assert focused["outlineStyle"] != "none" and focused["outlineWidth"] > 0, focused
    page.get_by_label("用户名", exact=True).focus()
    shot(page, "login-focus-on-username")

"""The user guide's images come from the browser journeys (issue 9 §3): every image a guide shows is listed in
docs/guide/images.txt, every listed image names a journey in tests/browser that takes that screenshot, and the
committed docs/guide/img/ holds exactly the listed images, 1366 px wide and small. No browser is needed here."""

import ast
from pathlib import Path

import pytest
from PIL import Image

from tests.browser.guide_images import GUIDE, GUIDE_IMG, guide_rows, images_in_guides

ROLE_GUIDES = ["project-unit.md", "drc.md", "finance.md", "big-data-center.md", "opinion-bodies.md", "office.md",
               "auditor.md", "administrator.md"]


@pytest.fixture(autouse=True)
def _browser_db():
    """These checks read files only: no browser, live server or database (overrides the package's fixture)."""


def shots_taken_by_journeys() -> dict[str, set[str]]:
    """test function name → the names it passes to shot(page, "name") (string literals and f-string prefixes)."""
    taken: dict[str, set[str]] = {}
    for path in Path(__file__).parent.glob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                names = taken.setdefault(node.name, set())
                for call in ast.walk(node):
                    if (isinstance(call, ast.Call) and getattr(call.func, "id", None) == "shot"
                            and len(call.args) == 2):
                        arg = call.args[1]
                        if isinstance(arg, ast.Constant):
                            names.add(arg.value)
                        elif isinstance(arg, ast.JoinedStr):
                            names.add(ast.unparse(arg))
    return taken


def expand(names: set[str]) -> set[str]:
    """shot(body, f"{username}-conclusion") inside a loop over ("finance", "bdc") counts for both."""
    out = set()
    for name in names:
        if name.startswith("f'{username}-") or name.startswith('f"{username}-'):
            suffix = name[len("f'{username}"):-1]
            out |= {f"{who}{suffix}" for who in ("finance", "bdc")}
        else:
            out.add(name)
    return out


def test_there_is_a_guide_per_role_and_each_shows_screenshots():
    shown = images_in_guides()
    for guide in ROLE_GUIDES:
        assert guide in shown, f"docs/guide/{guide} is missing"
        assert shown[guide], f"docs/guide/{guide} shows no screenshot"
    index = (GUIDE / "README.md").read_text(encoding="utf-8")
    for guide in ROLE_GUIDES:
        assert f"({guide})" in index, f"docs/guide/README.md does not link {guide}"


def test_every_image_a_guide_shows_is_listed_and_committed():
    listed = {row.image for row in guide_rows()}
    for guide, images in images_in_guides().items():
        assert images <= listed, f"{guide} shows images no journey produces: {sorted(images - listed)}"
        for image in images:
            assert (GUIDE_IMG / image).is_file(), f"{guide}: docs/guide/img/{image} not committed (scripts/guide-images)"


def test_every_listed_image_comes_from_a_journey_screenshot():
    taken = shots_taken_by_journeys()
    for row in guide_rows():
        assert row.test in taken, f"{row.image}: no browser test named {row.test}"
        assert row.shot in expand(taken[row.test]), \
            f"{row.image}: {row.test} takes no screenshot named {row.shot!r} (it takes {sorted(taken[row.test])})"


def test_committed_images_are_the_used_ones_at_1366_and_small():
    used = set().union(*images_in_guides().values())
    committed = {p.name for p in GUIDE_IMG.glob("*.png")}
    assert committed == used, f"unused: {sorted(committed - used)}; missing: {sorted(used - committed)}"
    for name in committed:
        with Image.open(GUIDE_IMG / name) as image:
            assert image.width == 1366, (name, image.size)
        assert (GUIDE_IMG / name).stat().st_size < 400_000, name

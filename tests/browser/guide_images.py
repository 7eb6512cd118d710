"""docs/guide/images.txt as data: which journey screenshot each guide image comes from (used by
scripts/guide-images and tests/browser/test_guide_images.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "guide"
GUIDE_IMG = GUIDE / "img"
LISTING = GUIDE / "images.txt"
SCREENSHOTS = ROOT / "test-output" / "screenshots"


@dataclass(frozen=True)
class GuideImage:
    image: str
    test: str
    shot: str


def guide_rows() -> list[GuideImage]:
    rows = []
    for line in LISTING.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            image, test, shot = line.split()
            rows.append(GuideImage(image, test, shot))
    return rows


def source_of(row: GuideImage) -> Path | None:
    """The newest run's screenshot for the row: test-output/screenshots/<test>/<NN>-<shot>.png."""
    found = sorted((SCREENSHOTS / row.test).glob(f"[0-9][0-9]-{row.shot}.png"))
    return found[-1] if found else None


def images_in_guides() -> dict[str, set[str]]:
    """Each guide page → the img/… files it shows."""
    return {page.name: set(re.findall(r"\]\(img/([\w.-]+\.png)\)", page.read_text(encoding="utf-8")))
            for page in sorted(GUIDE.glob("*.md"))}

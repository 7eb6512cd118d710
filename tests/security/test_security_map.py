"""docs/security.md maps every requirement of SECURITY.md to its tests: the map must stay true.

A requirement without a test named after its number, or a map row naming a test that does not exist,
fails here, so the document cannot drift from the suite.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _test_functions() -> set[str]:
    names = set()
    for path in (ROOT / "tests").rglob("test_*.py"):
        if re.match(r"test_r\d\d_", path.stem):
            names.add(path.stem)  # a module named after its requirement (tests/concurrency/test_r35_…)
        names.update(re.findall(r"^(?:async )?def (test_r\d\d\w*)\(", path.read_text(encoding="utf-8"), re.M))
    return names


def test_every_requirement_has_a_test_named_after_its_number():
    numbers = {int(m) for m in re.findall(r"^(\d+)\. ", (ROOT.parent / "shared" / "SECURITY.md").read_text(encoding="utf-8"),
                                          re.M)} if (ROOT.parent / "shared" / "SECURITY.md").exists() else set(range(1, 43))
    assert numbers == set(range(1, 43))
    have = {int(name[6:8]) for name in _test_functions()}
    assert sorted(numbers - have) == [], "requirements without a test_rNN_* test"


def test_the_map_has_one_row_per_requirement_and_names_only_tests_that_exist():
    text = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| R(\d\d) \| [^|]+ \| ([^|]+) \|", text, re.M)
    assert [int(n) for n, _ in rows] == list(range(1, 43))
    assert "TODO" not in text
    functions = _test_functions()
    named = {name for _, cell in rows for name in re.findall(r"(test_r\d\d\w*)", cell) if "…" not in name}
    missing = sorted(name for name in named if name not in functions
                     and not any(f.startswith(name) for f in functions))  # a row may shorten a long name's tail
    assert missing == [], f"docs/security.md names tests that do not exist: {missing}"
    for number, cell in rows:
        assert f"test_r{number}" in cell or "security-checks" in cell, f"R{number}: the row names no test"

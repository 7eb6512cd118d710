"""R22: no high-severity bandit finding in the platform's code, and every dependency pinned to one version.

pip-audit itself runs in scripts/security-checks (it needs PyPI's advisory data, which a test should not fetch).
"""

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_r22_bandit_reports_no_high_severity_finding():
    result = subprocess.run(
        [str(Path(sys.executable).with_name("bandit")), "-q", "-r", ".", "-x",
         "./.venv,./tests,./build,./var,./test-output,./node_modules", "-lll", "-f", "json"],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    report = json.loads(result.stdout)
    high = [f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}" for r in report["results"]
            if r["issue_severity"] == "HIGH"]
    assert high == []
    assert report["metrics"]["_totals"]["loc"] > 10_000  # it really scanned the platform


def test_r22_every_dependency_is_pinned_to_one_version():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = project["dependencies"] + [r for group in project["optional-dependencies"].values() for r in group]
    unpinned = [r for r in requirements if not re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][0-9A-Za-z.\-]*", r)]
    assert unpinned == []

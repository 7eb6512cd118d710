"""R22: no high-severity bandit finding in the platform's code, and every dependency pinned to one version.

pip-audit itself runs in scripts/security-checks (it needs PyPI's advisory data, which a test should not fetch);
the audit of the packages it skips (ops/dependency_audit.py) is tested here with registry documents given in the test.
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


# --- pip-audit's skipped packages, audited from the registry's project document (ops/dependency_audit.py) -------

def _project(latest: str, *vulns: dict) -> dict:
    return {"info": {"version": latest}, "vulnerabilities": list(vulns)}


ADVISORY = {"id": "PYSEC-2026-1325", "aliases": ["GHSA-wj6h-64fc-37mp"], "withdrawn": None}


def test_r22_a_pinned_latest_release_with_an_advisory_fails_the_audit_naming_it():
    from ops.dependency_audit import audit, pinned_versions

    pins = pinned_versions("ecdsa==0.19.2\nopenpyxl==3.1.5\n")
    skipped = [{"name": "ecdsa", "skip_reason": "Dependency not found on PyPI"},
               {"name": "openpyxl", "skip_reason": "Dependency not found on PyPI"}]
    documents = {"ecdsa": _project("0.19.2", ADVISORY), "openpyxl": _project("3.1.5")}
    report = audit(skipped, documents.get, pins)
    assert report.failed()
    assert report.vulnerable == {"ecdsa 0.19.2": ["PYSEC-2026-1325", "GHSA-wj6h-64fc-37mp"]}
    assert report.audited == ["ecdsa 0.19.2", "openpyxl 3.1.5"]
    assert "VULNERABLE ecdsa 0.19.2: PYSEC-2026-1325, GHSA-wj6h-64fc-37mp" in report.lines()


def test_r22_an_older_pin_is_reported_not_audited_and_fails_only_when_strict():
    from ops.dependency_audit import audit, pinned_versions

    # The advisory is the latest release's: it says nothing about 5.2.19, so 5.2.19 is neither passed nor failed.
    report = audit([{"name": "Django", "skip_reason": "x"}], {"django": _project("6.1.3", ADVISORY)}.get,
                   pinned_versions("Django==5.2.19"))
    assert report.vulnerable == {} and report.audited == []
    assert report.not_audited == {"Django 5.2.19": "the registry gives advisories for the latest release 6.1.3 only"}
    assert not report.failed() and report.failed(strict=True)


def test_r22_pip_audits_own_findings_fail_and_withdrawn_advisories_do_not():
    from ops.dependency_audit import audit

    found = [{"name": "requests", "version": "2.0.0", "vulns": [{"id": "PYSEC-2014-13", "aliases": ["CVE-2014-1829"]}]}]
    assert audit(found, lambda name: None).vulnerable == {"requests 2.0.0": ["PYSEC-2014-13", "CVE-2014-1829"]}
    withdrawn = dict(ADVISORY, withdrawn="2026-01-01T00:00:00Z")
    report = audit([{"name": "ecdsa", "skip_reason": "x"}], {"ecdsa": _project("0.19.2", withdrawn)}.get,
                   {"ecdsa": "0.19.2"})
    assert not report.failed() and report.audited == ["ecdsa 0.19.2"]
    unreachable = audit([{"name": "ecdsa", "skip_reason": "x"}], lambda name: None, {"ecdsa": "0.19.2"})
    assert unreachable.not_audited == {"ecdsa 0.19.2": "no advisory data reachable"}

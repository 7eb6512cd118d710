"""SECURITY.md 22: the advisories of the pinned dependencies, for the packages pip-audit could not audit.

pip-audit asks PyPI for each pinned release (``/pypi/<name>/<version>/json``). Some registry mirrors (the one this
project's machines reach is one) answer 404 for that per-release document but do serve the project document
(``/pypi/<name>/json``), whose ``vulnerabilities`` list is PyPI's advisories (PYSEC/GHSA/OSV ids) for the project's
LATEST release. For every package pip-audit skipped, this module fetches that document: when the pinned version is
the latest release, its advisories are exactly the pinned version's, so the package is audited; otherwise it stays
"not audited" and the report says which release would be needed. A known vulnerability fails the check.

Run by scripts/security-checks after pip-audit:
    python -m ops.dependency_audit <pip-audit json> <requirements.txt> [--strict]
``--strict`` (PIP_AUDIT_STRICT=1) also fails when any package remains not audited. PYPI_JSON_URL changes the
registry (default https://pypi.org/pypi).
"""

from __future__ import annotations

import json
import os
import re
import sys
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

Fetch = Callable[[str], dict | None]


@dataclass
class AuditReport:
    audited: list[str] = field(default_factory=list)
    vulnerable: dict[str, list[str]] = field(default_factory=dict)  # "name version" → advisory ids
    not_audited: dict[str, str] = field(default_factory=dict)  # "name version" → why

    def lines(self) -> list[str]:
        out = [f"VULNERABLE {name}: {', '.join(ids)}" for name, ids in sorted(self.vulnerable.items())]
        out.append(f"dependency audit: {len(self.audited)} audited, {len(self.vulnerable)} vulnerable, "
                   f"{len(self.not_audited)} not audited")
        for name, why in sorted(self.not_audited.items()):
            out.append(f"  not audited: {name} ({why})")
        return out

    def failed(self, strict: bool = False) -> bool:
        return bool(self.vulnerable) or (strict and bool(self.not_audited))


def fetch_project_json(base: str) -> Fetch:
    def fetch(name: str) -> dict | None:
        url = f"{base.rstrip('/')}/{name}/json"
        try:
            with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (a fixed https registry URL)
                return json.load(response)
        except (OSError, ValueError):
            return None

    return fetch


def _ids(vulns: list[dict]) -> list[str]:
    ids = []
    for v in vulns:
        if v.get("withdrawn"):
            continue
        ids.append(v.get("id") or "?")
        ids.extend(a for a in v.get("aliases", []) if a not in ids)
    return ids


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned_versions(requirements: str) -> dict[str, str]:
    """``name==version`` lines of a requirements file (pip freeze), by canonical name."""
    pins = {}
    for line in requirements.splitlines():
        match = re.fullmatch(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;#]+).*", line)
        if match:
            pins[canonical(match.group(1))] = match.group(2)
    return pins


def audit(pip_audit_dependencies: list[dict], fetch: Fetch, pins: dict[str, str] | None = None) -> AuditReport:
    """Combine pip-audit's per-release results with the project documents for the packages it skipped.
    pip-audit gives no version for a skipped package; ``pins`` (from the requirements file) does."""
    report = AuditReport()
    pins = pins or {}
    for dep in pip_audit_dependencies:
        dep = {**dep, "version": dep.get("version") or pins.get(canonical(dep["name"]))}
        key = f"{dep['name']} {dep['version'] or '?'}"
        if not dep.get("skip_reason"):
            report.audited.append(key)
            if dep.get("vulns"):
                report.vulnerable[key] = [v["id"] for v in dep["vulns"]] + [
                    a for v in dep["vulns"] for a in v.get("aliases", [])]
            continue
        document = fetch(canonical(dep["name"]))
        if document is None:
            report.not_audited[key] = "no advisory data reachable"
            continue
        latest = document.get("info", {}).get("version")
        if dep["version"] is None:
            report.not_audited[key] = "its pinned version is not in the requirements"
            continue
        if latest != dep["version"] or "vulnerabilities" not in document:
            report.not_audited[key] = (f"the registry gives advisories for the latest release {latest} only"
                                       if "vulnerabilities" in document else "the registry gives no advisories")
            continue
        report.audited.append(key)
        ids = _ids(document["vulnerabilities"])
        if ids:
            report.vulnerable[key] = ids
    return report


def main(argv: list[str]) -> int:
    strict = "--strict" in argv
    paths = [a for a in argv if not a.startswith("--")]
    with open(paths[0], encoding="utf-8") as f:
        dependencies = json.load(f)["dependencies"]
    with open(paths[1], encoding="utf-8") as f:
        pins = pinned_versions(f.read())
    report = audit(dependencies, fetch_project_json(os.environ.get("PYPI_JSON_URL", "https://pypi.org/pypi")), pins)
    print("\n".join(report.lines()))
    return 1 if report.failed(strict) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

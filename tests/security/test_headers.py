"""R23: production settings pass the deploy check; HSTS ≥ 1 year; a Content-Security-Policy without
unsafe-inline script and with frame-ancestors 'none' — on in development and tests too."""

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.production",
    "SECRET_KEY": "x7Hq2m9Lr4Tz8Vb1Nc6Kp3Wd5Fs0Gy7Ja2Ue9Ri4Oq8Zt1Mx6Lb3Cv5-prod-test",
    "AUDIT_HMAC_KEY": "5f1c0a3e9b7d4c2a8e6f1b3d5c7a9e0f2b4d6c8a0e1f3b5d7c9a1e3f5b7d9c0a",
    "SM4_KEY": "0123456789abcdeffedcba9876543210",
    "SM2_PRIVATE_KEY": "3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8",
    "ALLOWED_HOSTS": "zwxm.sc.gov.cn",
}


def _directives(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def _production(expression: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | PRODUCTION_ENV
    code = f"import django; django.setup(); from django.conf import settings as s; print(repr(({expression})))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.django_db
def test_r23_every_page_carries_a_csp_without_inline_script_and_without_framing(client, filer_a, client_for):
    for response in [client.get("/login/"), client_for(filer_a).get("/"), client_for(filer_a).get("/projects/"),
                     client.get("/api/v1/docs")]:
        header = response["Content-Security-Policy"]
        csp = _directives(header)
        assert csp["script-src"] == ["'self'"], header
        assert "'unsafe-inline'" not in csp.get("script-src", []) and "'unsafe-eval'" not in csp["script-src"]
        assert csp["frame-ancestors"] == ["'none'"]
        assert csp["object-src"] == ["'none'"]
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"


def test_r23_templates_have_no_inline_script_or_event_handler_attribute():
    """The CSP would block them in the browser; this names the template instead of a silent broken button."""
    offenders = []
    for path in ROOT.glob("*/templates/**/*.html"):
        if ".venv" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<script\b[^>]*>", text, flags=re.I):
            tag = match.group(0)
            if "src=" not in tag and 'type="application/json"' not in tag:
                offenders.append(f"{path.relative_to(ROOT)}: {tag}")
        for match in re.finditer(r"<[a-z][^>]*\s(on[a-z]+)\s*=", text, flags=re.I):
            offenders.append(f"{path.relative_to(ROOT)}: {match.group(1)}=")
        if re.search(r"javascript:", text, flags=re.I):
            offenders.append(f"{path.relative_to(ROOT)}: javascript: URL")
    assert offenders == []


def test_r23_htmx_does_not_inject_its_inline_indicator_style():
    base = (ROOT / "web" / "templates" / "base.html").read_text(encoding="utf-8")
    assert re.search(r'<meta name="htmx-config" content=\'\{[^}]*"includeIndicatorStyles":\s*false', base)


def test_r23_production_sends_hsts_for_at_least_a_year_and_secure_cookies():
    values = _production("s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, "
                         "s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER, "
                         "s.CONTENT_SECURITY_POLICY['DIRECTIVES']['script-src'], "
                         "s.CONTENT_SECURITY_POLICY['DIRECTIVES']['frame-ancestors'], "
                         "'csp.middleware.CSPMiddleware' in s.MIDDLEWARE")
    hsts, redirect, session_secure, csrf_secure, proxy, script_src, frame_ancestors, csp_on = ast.literal_eval(values)
    assert hsts >= 365 * 24 * 3600
    assert redirect and session_secure and csrf_secure
    assert proxy == ("HTTP_X_FORWARDED_PROTO", "https")
    assert script_src == ["'self'"] and frame_ancestors == ["'none'"] and csp_on


def test_r23_production_settings_pass_check_deploy_at_warning_level():
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | PRODUCTION_ENV
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_r23_production_refuses_the_development_secret_key():
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}} | {
        "DJANGO_SETTINGS_MODULE": "config.production"}
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr

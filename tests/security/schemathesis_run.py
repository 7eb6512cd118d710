"""R21: fuzz the LIVE OpenAPI document with schemathesis as three roles (scripts/security-checks runs this).

A fresh database (SQLite in a temporary directory, or a throw-away PostgreSQL database next to DATABASE_URL's)
is migrated and seeded with the demo province; API tokens are issued to a filer (edu), a DRC reviewer (drc)
and an auditor (auditor); gunicorn serves the platform on a free 127.0.0.1 port; schemathesis then reads
/api/v1/openapi.json from it and sends, per operation and role, FUZZ_EXAMPLES generated requests (default 100)
checking: no 5xx (not_a_server_error), responses match the documented schema (response_schema_conformance)
and only documented status codes (status_code_conformance). Any failure makes the exit code non-zero.

Environment: FUZZ_EXAMPLES (per operation, default 100), FUZZ_ROLES (default "edu,drc,auditor"),
FUZZ_PHASES (default "examples,coverage,fuzzing"), FUZZ_WORKERS (default 2), FUZZ_SEED (optional, for a
reproducible run), FUZZ_REPORT_DIR (default test-output/schemathesis).
"""

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python")
CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance"
ISSUE_TOKENS = """
import sys
from accounts.models import User
from api.auth import issue_token
for username in sys.argv[1:]:
    print(username, issue_token(User.objects.get(username=username), "schemathesis"))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd, env, **kwargs):
    print("+", " ".join(str(c) for c in cmd[:4]), "...", flush=True)
    return subprocess.run(cmd, cwd=ROOT, env=env, check=True, **kwargs)


def throwaway_postgres(url: str):
    """A fresh database beside DATABASE_URL's, dropped afterwards: the fuzzing must not touch real data."""
    import psycopg

    parts = urlsplit(url)
    name = f"zw_fuzz_{os.getpid()}_{secrets.token_hex(3)}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return urlunsplit(parts._replace(path=f"/{name}")), drop


def main() -> int:
    examples = os.environ.get("FUZZ_EXAMPLES", "100")
    roles = [r for r in os.environ.get("FUZZ_ROLES", "edu,drc,auditor").split(",") if r]
    phases = os.environ.get("FUZZ_PHASES", "examples,coverage,fuzzing")
    workers = os.environ.get("FUZZ_WORKERS", "2")
    report_dir = Path(os.environ.get("FUZZ_REPORT_DIR", ROOT / "test-output" / "schemathesis"))
    report_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="zw-fuzz-"))
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "PG_TEST_NAME"}}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DATA_DIR": str(tmp), "DEBUG": "0",
                # The fuzzer sends thousands of requests a minute; the limits themselves are tested in
                # tests/security/test_rate_limits.py.
                "RATE_LIMIT_API_PER_MINUTE": "0", "RATE_LIMIT_EXPORTS_PER_MINUTE": "0"})
    cleanups = [lambda: shutil.rmtree(tmp, ignore_errors=True)]
    server = None
    failed = []
    try:
        if env.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
            env["DATABASE_URL"], drop = throwaway_postgres(env["DATABASE_URL"])
            cleanups.append(drop)
        else:
            env.pop("DATABASE_URL", None)
        started = time.monotonic()
        run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], env)
        run([PYTHON, "manage.py", "seed_demo"], env, stdout=subprocess.DEVNULL)
        out = run([PYTHON, "manage.py", "shell", "-c", ISSUE_TOKENS.replace("sys.argv[1:]", repr(roles))], env,
                  capture_output=True, text=True).stdout
        tokens = dict(line.split(" ", 1) for line in out.splitlines() if line.split(" ", 1)[0] in roles)
        print(f"seeded in {time.monotonic() - started:.0f} s", flush=True)

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", "2", "--threads", "2", "--log-level", "warning", "--timeout", "60"],
            cwd=ROOT, env=env, stdout=open(tmp / "gunicorn.log", "w"), stderr=subprocess.STDOUT,  # noqa: SIM115
            start_new_session=True)
        for _ in range(60):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2)  # noqa: S310 (our own local server)
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise RuntimeError("gunicorn did not start: " + (tmp / "gunicorn.log").read_text())

        for role in roles:
            started = time.monotonic()
            cmd = [str(VENV_BIN / "schemathesis"), "run", f"{base}/api/v1/openapi.json",
                   "-H", f"Authorization: Bearer {tokens[role]}", "--checks", CHECKS,
                   "--max-examples", examples, "--phases", phases, "--workers", workers, "--no-shrink",
                   "--report", "junit", "--report-junit-path", str(report_dir / f"{role}.xml")]
            if os.environ.get("FUZZ_SEED"):
                cmd += ["--seed", os.environ["FUZZ_SEED"]]
            print(f"== schemathesis as {role}: {examples} examples per operation ==", flush=True)
            result = subprocess.run(cmd, cwd=ROOT, env={**env, "NO_COLOR": "1"})
            print(f"== {role}: exit {result.returncode} in {time.monotonic() - started:.0f} s ==", flush=True)
            if result.returncode != 0:
                failed.append(role)
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
            log = (tmp / "gunicorn.log").read_text(errors="replace")
            if "Traceback" in log:
                # Django logs every 4xx as a warning line; leave those out so the tracebacks are what is shown.
                quiet = ("Not Found:", "Bad Request:", "Forbidden", "Unprocessable", "Conflict:", "Method Not Allowed",
                         "Too Many Requests", "Payload Too Large", "Gone:")
                errors_only = "\n".join(line for line in log.splitlines() if not line.startswith(quiet))
                print("gunicorn log (server-side errors):\n" + errors_only[-40000:])
        for cleanup in reversed(cleanups):
            cleanup()
    if failed:
        print(f"schemathesis found failures as: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

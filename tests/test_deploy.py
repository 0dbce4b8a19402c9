"""A deploy fails closed (issue 14): DEBUG is off unless the environment turns it on, and with
it off every way in (manage.py, runserver, gunicorn, celery) refuses to start on development
settings. Real processes, with the environment a deploy gives them: no DEBUG, SQLite in a
scratch VAR_DIR, never the test run's database or settings module.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEV_KEY = "dev-insecure-secret-key-do-not-use-in-production"
# 64 characters, 16 different: what `check --deploy` accepts.
GOOD_KEY = "test-only-" + "0123456789abcdef" * 3 + "fedcba9876543210"[:6]
REFUSED = "django.core.exceptions.ImproperlyConfigured: DEBUG is off (DEBUG=1 is for development), so this refuses to start:"
MAKE_ONE = "make one with python -c 'import secrets; print(secrets.token_urlsafe(50))'"
# Whatever the test run's environment says about these, a deploy starts without them.
DEPLOY_VARIABLES = (
    "DJANGO_SETTINGS_MODULE",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "PASSPORT_AUTO_KEY",
    "PASSPORT_SIGNING_KEY_FILE",
    "LOG_SIGNING_KEY_FILE",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "MATCH_INDEX_DIR",
    "HTTPS_ONLY",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "CACHE_URL",
)


def deploy_env(var_dir: Path, **settings: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in DEPLOY_VARIABLES}
    env.update(
        VAR_DIR=str(var_dir),
        OPENROUTER_MODELS_URL="",
        LOG_LEVEL="WARNING",
        MATCH_WARM_ON_START="0",
        # A deploy shares its cache (throttles, sign-in failures) among web processes; without
        # it `check` warns (axes.W001). Nothing here connects to it.
        CACHE_URL="redis://127.0.0.1:6379/13",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
    )
    env.update(settings)
    return env


def run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "manage.py", *args], env)


def refusal(output: str) -> list[str]:
    """The refusal's lines: the exception's first line and each problem after it."""
    lines = output.splitlines()
    start = lines.index(REFUSED)
    return lines[start:]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("variables", "problems"),
    [
        (
            {},
            [
                f"- SECRET_KEY is not set: {MAKE_ONE}",
                "- ALLOWED_HOSTS is not set: name the hosts this server answers to, comma-separated",
            ],
        ),
        (
            {"DEBUG": "0"},
            [
                f"- SECRET_KEY is not set: {MAKE_ONE}",
                "- ALLOWED_HOSTS is not set: name the hosts this server answers to, comma-separated",
            ],
        ),
        (
            {"DEBUG": "", "SECRET_KEY": "", "ALLOWED_HOSTS": "registry.example.org"},
            [f"- SECRET_KEY is not set: {MAKE_ONE}"],
        ),
        (
            {"SECRET_KEY": DEV_KEY, "ALLOWED_HOSTS": "registry.example.org"},
            [f"- SECRET_KEY is the development key: {MAKE_ONE}"],
        ),
        (
            {"SECRET_KEY": "short-but-secret", "ALLOWED_HOSTS": "registry.example.org"},
            [
                f"- SECRET_KEY is too weak (`check --deploy` wants 50+ characters, 5+ different ones, no 'django-insecure-' prefix): {MAKE_ONE}"
            ],
        ),
        (
            {"SECRET_KEY": "ab" * 40, "ALLOWED_HOSTS": "registry.example.org"},
            [
                f"- SECRET_KEY is too weak (`check --deploy` wants 50+ characters, 5+ different ones, no 'django-insecure-' prefix): {MAKE_ONE}"
            ],
        ),
        (
            {"SECRET_KEY": "django-insecure-" + GOOD_KEY, "ALLOWED_HOSTS": "registry.example.org"},
            [
                f"- SECRET_KEY is too weak (`check --deploy` wants 50+ characters, 5+ different ones, no 'django-insecure-' prefix): {MAKE_ONE}"
            ],
        ),
        (
            {"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": " , "},
            ["- ALLOWED_HOSTS is not set: name the hosts this server answers to, comma-separated"],
        ),
    ],
    ids=[
        "nothing",
        "debug-0",
        "empty-key",
        "dev-key",
        "short-key",
        "two-characters",
        "insecure-prefix",
        "no-hosts",
    ],
)
def test_debug_off_refuses_development_settings(
    tmp_path: Path, variables: dict[str, str], problems: list[str]
) -> None:
    result = manage(deploy_env(tmp_path, **variables), "check")
    assert result.returncode == 1
    assert refusal(result.stderr) == [REFUSED, *problems]
    assert result.stdout == ""
    if variables.get("SECRET_KEY"):
        assert variables["SECRET_KEY"] not in result.stderr  # the refusal never shows the key


def test_auto_key_is_refused_until_the_keys_are_made_on_purpose(tmp_path: Path) -> None:
    """PASSPORT_AUTO_KEY may not make keys in production; `passport_keys generate` makes both
    (the passport key and the log's), and then it has nothing left to make."""
    env = deploy_env(tmp_path, SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="registry.example.org")
    auto = {**env, "PASSPORT_AUTO_KEY": "1"}
    keys = tmp_path / "keys"
    refused = manage(auto, "check")
    assert refused.returncode == 1
    assert refusal(refused.stderr) == [
        REFUSED,
        f"- PASSPORT_AUTO_KEY is on and would create signing keys ({keys / 'passport-signing.jwk'}, "
        f"{keys / 'log-signing.jwk'} missing): make them once with `python manage.py "
        "passport_keys generate` and leave PASSPORT_AUTO_KEY unset",
    ]

    assert manage(env, "migrate", "-v0").returncode == 0
    made = manage(env, "passport_keys", "generate")
    assert made.returncode == 0, made.stderr
    key_line, log_line = made.stdout.splitlines()
    assert key_line.endswith(" generated")
    assert log_line == f"log key generated ({keys / 'log-signing.jwk'})"
    for name in ("passport-signing.jwk", "log-signing.jwk"):
        assert (keys / name).stat().st_mode & 0o777 == 0o600
    again = manage(env, "passport_keys", "generate")
    assert again.stdout.splitlines() == [
        f"{key_line.split()[0]} already active",
        f"log key already present ({keys / 'log-signing.jwk'})",
    ]
    accepted = manage(auto, "check")
    assert (accepted.returncode, accepted.stdout) == (
        0,
        "System check identified no issues (0 silenced).\n",
    )


@pytest.mark.parametrize(
    ("command", "exit_code"),
    [
        # The Dockerfile's CMD: the worker cannot boot, so the master gives up (exit 3).
        (["gunicorn", "config.wsgi", "--bind", "127.0.0.1:{port}", "--workers", "1"], 3),
        # `make run`'s gunicorn: the application loads in the master.
        (["gunicorn", "config.wsgi", "--preload", "--bind", "127.0.0.1:{port}"], 1),
        (["python", "manage.py", "runserver", "127.0.0.1:{port}", "--noreload"], 1),
        (["python", "-m", "celery", "-A", "config", "worker", "--pool", "solo"], 1),
    ],
    ids=["gunicorn", "gunicorn-preload", "runserver", "celery-worker"],
)
def test_servers_refuse_to_start_with_the_development_key(
    tmp_path: Path, command: list[str], exit_code: int
) -> None:
    port = free_port()
    program, *args = command
    executable = sys.executable if program == "python" else str(BIN / program)
    env = deploy_env(tmp_path, SECRET_KEY=DEV_KEY, ALLOWED_HOSTS="127.0.0.1")
    result = run([executable, *(arg.format(port=port) for arg in args)], env)
    assert result.returncode == exit_code
    output = result.stdout + result.stderr
    assert refusal(output)[:2] == [REFUSED, f"- SECRET_KEY is the development key: {MAKE_ONE}"]
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass  # nothing is listening


def test_check_deploy_is_clean_with_debug_unset(tmp_path: Path) -> None:
    env = deploy_env(tmp_path, SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="registry.example.org")
    result = manage(env, "check", "--deploy")
    assert (result.returncode, result.stdout) == (
        0,
        "System check identified no issues (0 silenced).\n",
    )


def test_check_deploy_names_what_plain_http_gives_up(tmp_path: Path) -> None:
    """HTTPS_ONLY=0 (a DEBUG=0 server on 127.0.0.1 over http) is not a deploy: it says so."""
    env = deploy_env(
        tmp_path, SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="registry.example.org", HTTPS_ONLY="0"
    )
    result = manage(env, "check", "--deploy")
    assert result.returncode == 0
    found = sorted(
        line.split(")")[0].removeprefix("?: (")
        for line in result.stderr.splitlines()
        if line.startswith("?: (")
    )
    assert found == ["security.W004", "security.W008", "security.W012", "security.W016"]


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated registry with its static files collected, as a deploy prepares it."""
    var_dir = tmp_path_factory.mktemp("deployed")
    env = deploy_env(var_dir, SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="127.0.0.1")
    for args in (["migrate", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        result = manage(env, *args)
        assert result.returncode == 0, result.stderr
    return var_dir


@contextmanager
def gunicorn(env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError(f"gunicorn did not start: {process.communicate()[1][-3000:]}")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_production_defaults_send_plain_http_to_https(deployed: Path) -> None:
    env = deploy_env(deployed, SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="127.0.0.1")
    with gunicorn(env) as base:
        plain = httpx.get(f"{base}/methodology")
        assert (plain.status_code, plain.headers["location"]) == (
            301,
            f"{base.replace('http://', 'https://')}/methodology",
        )
        # A proxy on 127.0.0.1 that terminated TLS (gunicorn trusts its X-Forwarded-Proto).
        proxied = httpx.get(f"{base}/methodology", headers={"X-Forwarded-Proto": "https"})
        assert proxied.status_code == 200
        assert proxied.headers["strict-transport-security"] == (
            "max-age=31536000; includeSubDomains; preload"
        )
        assert proxied.headers["x-content-type-options"] == "nosniff"


def test_https_only_0_serves_debug_off_over_plain_http(deployed: Path) -> None:
    env = deploy_env(deployed, SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="127.0.0.1", HTTPS_ONLY="0")
    with gunicorn(env) as base:
        page = httpx.get(f"{base}/methodology")
        assert (page.status_code, page.headers["content-type"]) == (200, "text/html; charset=utf-8")
        assert "strict-transport-security" not in page.headers
        docs = httpx.get(f"{base}/api/docs/")
        assert docs.status_code == 200
        for asset in (
            "swagger-ui-dist/swagger-ui.css",
            "swagger-ui-dist/swagger-ui-bundle.js",
            "swagger-ui-dist/swagger-ui-standalone-preset.js",
            "swagger-ui-dist/favicon-32x32.png",
        ):
            url = f"/static/drf_spectacular_sidecar/{asset}"
            assert url in docs.text
            assert httpx.get(base + url).status_code == 200  # whitenoise, from collectstatic
        # A Host not in ALLOWED_HOSTS: a 400 page for people, the API's JSON for machines.
        page = httpx.get(f"{base}/methodology", headers={"Host": "evil.example"})
        assert (page.status_code, page.headers["content-type"]) == (400, "text/html; charset=utf-8")
        assert "<h1>Bad request</h1>" in page.text
        api = httpx.get(f"{base}/api/v1/passport", headers={"Host": "evil.example"})
        assert (api.status_code, api.json()) == (
            400,
            {"error": {"code": "bad_request", "message": "bad request"}},
        )

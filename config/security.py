"""Security settings: per-client throttles, the admin sign-in lockout (django-axes),
HTTPS/HSTS and secure cookies, and the checks that keep a DEBUG=0 process from starting
with development secrets.

config.settings star-imports the settings here (so every name stays a Django setting) and
calls refuse_unsafe_production() last, with the values it read. The environment is read
through config.env, as config.settings reads it.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_debug, env_int, env_rate, env_str

# Per-client limits ("N/period", per REMOTE_ADDR or the NUM_PROXIES-th X-Forwarded-For
# address) on what an anonymous client can make the server do; over the limit is a 429
# with Retry-After. THROTTLE_ENABLED=0 turns them all off (load benches).
THROTTLE_ENABLED = env_bool("THROTTLE_ENABLED", True)
THROTTLE_RATES = {
    "resolve": env_rate("THROTTLE_RESOLVE", "60/min"),  # an embedding and an index search
    "verify": env_rate("THROTTLE_VERIFY", "120/min"),  # a signature check
    "validate": env_rate("THROTTLE_VALIDATE", "30/min"),  # a whole document parsed and checked
    "feedback": env_rate("THROTTLE_FEEDBACK", "30/min"),
    "claim": env_rate("THROTTLE_CLAIM", "10/hour"),  # a claim start stores a row
    "forms": env_rate("THROTTLE_FORMS", "30/min"),  # match, verify, feedback and claim pages
    "search": env_rate("THROTTLE_SEARCH", "120/min"),  # a text search over the listings
    "mcp": env_rate("THROTTLE_MCP", "120/min"),  # one MCP request (a tool call or a listing)
}

# Admin sign-in: after AXES_FAILURE_LIMIT failures from one client address, sign-in is
# refused (429, Retry-After) for AXES_COOLOFF_TIME hours. Counted in the shared cache.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(hours=float(env_str("AXES_COOLOFF_TIME", "1")))
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
# The same client address as the throttles (REMOTE_ADDR, or NUM_PROXIES).
AXES_CLIENT_IP_CALLABLE = "api.throttling.client_ident"
AXES_LOCKOUT_CALLABLE = "web.views.limits.locked_out"
AXES_ENABLE_ADMIN = False  # the cache handler keeps nothing to show there
AXES_RESET_ON_SUCCESS = True

# HTTPS: with DEBUG off the site is served over HTTPS only (behind a proxy that terminates
# TLS), so `manage.py check --deploy` finds nothing. HTTPS_ONLY=0 serves plain http, for a
# DEBUG=0 server on 127.0.0.1 (benches, replaying hostile requests); each setting below can
# also be set on its own. DEBUG comes from the reader config.settings uses (env_debug).
HTTPS_ONLY = env_bool("HTTPS_ONLY", not env_debug())
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS_ONLY)
# Browsers remember HSTS: a site that ever sent it must keep serving HTTPS for this long.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if HTTPS_ONLY else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS_ONLY)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS_ONLY)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", HTTPS_ONLY)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", HTTPS_ONLY)
SECURE_CONTENT_TYPE_NOSNIFF = True
# Behind a proxy on another host that terminates TLS: the header it sets to "https"
# (SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto). Only when the proxy always sets it, and
# strips it from what clients send. gunicorn already trusts X-Forwarded-Proto from
# FORWARDED_ALLOW_IPS (127.0.0.1 by default).
_proxy_header = env_str("SECURE_PROXY_SSL_HEADER", "").strip()
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https") if _proxy_header else None
)


def production_problems(
    *,
    secret_key: str,
    dev_secret_key: str,
    allowed_hosts: list[str],
    key_files: tuple[Path, ...],
    auto_key: bool,
) -> list[str]:
    """Why a DEBUG=0 process must not start; empty when it may. Never shows a secret."""
    problems = []
    make_one = "make one with python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    if not secret_key:
        problems.append(f"SECRET_KEY is not set: {make_one}")
    elif secret_key == dev_secret_key:
        problems.append(f"SECRET_KEY is the development key: {make_one}")
    elif (
        len(secret_key) < SECRET_KEY_MIN_LENGTH
        or len(set(secret_key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
        or secret_key.startswith(SECRET_KEY_INSECURE_PREFIX)
    ):
        problems.append(
            f"SECRET_KEY is too weak (`check --deploy` wants {SECRET_KEY_MIN_LENGTH}+ "
            f"characters, {SECRET_KEY_MIN_UNIQUE_CHARACTERS}+ different ones, no "
            f"{SECRET_KEY_INSECURE_PREFIX!r} prefix): {make_one}"
        )
    if not allowed_hosts:
        problems.append(
            "ALLOWED_HOSTS is not set: name the hosts this server answers to, comma-separated"
        )
    missing = [str(path) for path in key_files if not path.exists()]
    if auto_key and missing:
        problems.append(
            f"PASSPORT_AUTO_KEY is on and would create signing keys ({', '.join(missing)} "
            "missing): make them once with `python manage.py passport_keys generate` and "
            "leave PASSPORT_AUTO_KEY unset"
        )
    return problems


def refuse_unsafe_production(
    *,
    debug: bool,
    secret_key: str,
    dev_secret_key: str,
    allowed_hosts: list[str],
    key_files: tuple[Path, ...],
    auto_key: bool,
) -> None:
    """With DEBUG off, refuse to load the settings (so nothing starts) while any
    production_problems() remain."""
    if debug:
        return
    problems = production_problems(
        secret_key=secret_key,
        dev_secret_key=dev_secret_key,
        allowed_hosts=allowed_hosts,
        key_files=key_files,
        auto_key=auto_key,
    )
    if problems:
        raise ImproperlyConfigured(
            "DEBUG is off (DEBUG=1 is for development), so this refuses to start:\n"
            + "\n".join(f"- {problem}" for problem in problems)
        )

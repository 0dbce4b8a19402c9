"""Replay the hostile requests of issue 14 against a running registry; count the answers.

    python bench/hostile.py --url http://127.0.0.1:8032 [--slug SLUG]

One or more requests per cause: digits `str.isdigit()` accepts and `int()` refuses,
numbers past Python's 4,300-digit limit, lone surrogates in echoed strings, prices and
sizes that overflow, NUL anywhere, more than 1,000 query parameters or form fields,
documents POST /api/v1/validate must call invalid, and what the property test found.
Sent byte for byte (http.client: no client re-encodes the address). With a staff token
in the environment variable named by --token-env, the staff-only writes are sent with it.

Prints each answer, then the count by status class, every answer >= 500 and every
hostile document POST /api/v1/validate called valid; exits 1 if there is one. Targets
127.0.0.0/8 only.
"""

from __future__ import annotations

import argparse
import http.client
import ipaddress
import json
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

HUGE = "9" * 5000
UUID = "00000000-0000-0000-0000-000000000000"
# Gunicorn refuses a request line past 4,094 bytes (414): 1,001 one-letter parameters fit.
MANY = "&".join("a" * 1001)


@dataclass(frozen=True)
class Hostile:
    cause: str
    method: str
    path: str
    body: str | None = None  # JSON text, sent as is (\u escapes and all)
    form: str | None = None
    staff: bool = False
    headers: dict[str, str] = field(default_factory=dict)


def requests(slug: str) -> list[Hostile]:
    digits, big, surrogate, overflow, nul, many, validate, found = (
        "digits isdigit() accepts and int() refuses",
        "a number past 4,300 digits",
        "a lone surrogate echoed",
        "a price or size that overflows",
        "a NUL",
        "more than 1,000 parameters",
        "validate refuses what PUT refuses",
        "found by the property test",
    )
    return [
        Hostile(digits, "GET", "/api/v1/passport?page=%C2%B2"),
        Hostile(digits, "GET", "/api/v1/passport?page_size=%C2%B2"),
        Hostile(digits, "GET", f"/api/v1/passport/{slug}?version=%C2%B2"),
        Hostile(digits, "GET", f"/api/v1/verify?slug={slug}&version=%D9%A1"),
        Hostile(digits, "GET", "/?page=%C2%B2"),
        Hostile(
            digits,
            "POST",
            "/api/v1/feedback",
            body=json.dumps(
                {"resolveId": UUID, "slug": slug, "callbackToken": "²³.x", "outcome": "success"}
            ),
        ),
        Hostile(big, "POST", "/api/v1/resolve", body='{"intent": "x", "limit": ' + HUGE + "}"),
        Hostile(big, "POST", "/api/v1/verify", body='{"passport": {"version": ' + HUGE + "}}"),
        Hostile(big, "POST", "/api/v1/validate", body=_named(slug, HUGE)),
        Hostile(big, "PUT", "/api/v1/passport", body=_named(slug, HUGE), staff=True),
        Hostile(
            surrogate,
            "POST",
            "/api/v1/verify",
            body='{"passport": {"signature": {"keyId": "\\ud800"}}}',
        ),
        Hostile(
            surrogate,
            "POST",
            "/api/v1/verify",
            body='{"passport": {"signedBy": "\\udc00", "unfragile": {"artifact": {"slug": "\\ud800"}}}}',
        ),
        Hostile(surrogate, "POST", "/api/v1/resolve", body='{"intent": "\\ud800 read images"}'),
        Hostile(surrogate, "POST", "/api/v1/resolve", body='{"\\ud800": 1, "\\ud800": 2}'),
        Hostile(
            surrogate,
            "POST",
            "/api/v1/feedback",
            body='{"resolveId": "' + UUID + '", "slug": "\\udfff", "callbackToken": "1.x", '
            '"outcome": "success"}',
        ),
        Hostile(
            overflow,
            "POST",
            "/api/v1/resolve",
            body=json.dumps({"intent": f"a chat model under ${'9' * 400} per 1M tokens"}),
        ),
        Hostile(
            overflow,
            "POST",
            "/api/v1/resolve",
            body=json.dumps({"intent": "summarise contracts", "filters": {"min_context": 2**70}}),
        ),
        Hostile(
            overflow,
            "POST",
            "/api/v1/resolve",
            body='{"intent": "summarise contracts", "filters": {"max_prompt_price": 1e300}}',
        ),
        Hostile(overflow, "GET", "/api/v1/passport?min_context=1180591620717411303424"),
        Hostile(overflow, "GET", "/api/v1/passport?max_prompt_price=1e300"),
        Hostile(nul, "GET", "/api/v1/passport/meta%00llama"),
        Hostile(nul, "GET", "/passports/meta%00llama"),
        Hostile(nul, "GET", "/api/v1/passport?q=%00"),
        Hostile(nul, "GET", "/match?q=read%00images"),
        Hostile(nul, "POST", "/api/v1/resolve", body='{"intent": "read\\u0000images"}'),
        Hostile(
            nul,
            "POST",
            "/api/v1/feedback",
            body='{"resolveId": "' + UUID + '", "slug": "' + slug + '", "callbackToken": "1.x", '
            '"outcome": "success", "note": "a\\u0000"}',
        ),
        Hostile(nul, "POST", "/match/feedback", form="outcome=success&note=bad%00note"),
        Hostile(nul, "PUT", "/api/v1/passport", body=_named(slug, '"a\\u0000"'), staff=True),
        Hostile(many, "GET", f"/api/v1/passport?{MANY}"),
        Hostile(many, "GET", f"/api/v1/passport/{slug}?{MANY}"),
        Hostile(many, "GET", f"/?{MANY}"),
        Hostile(many, "GET", f"/match?{MANY}"),
        Hostile(many, "POST", f"/api/v1/resolve?{MANY}", body='{"intent": "read images"}'),
        Hostile(many, "POST", "/match/feedback", form=MANY),
        Hostile(validate, "POST", "/api/v1/validate", body=_named(slug, '"a\\u0000"')),
        Hostile(validate, "POST", "/api/v1/validate", body=_with_number(slug, str(2**60))),
        Hostile(validate, "POST", "/api/v1/validate", body=_with_number(slug, "1e20")),
        Hostile(validate, "PUT", "/api/v1/passport", body=_with_number(slug, "1e20"), staff=True),
        Hostile(
            validate, "PUT", "/api/v1/passport", body=_with_number(slug, str(2**60)), staff=True
        ),
        Hostile(found, "GET", "/api/schema/?version=%0D"),
    ]


def _with_number(slug: str, number: str) -> str:
    """A document that passes the schema, with an extra member no signature can hold."""
    return _named(slug, '"x", "n": ' + number)


def _named(slug: str, name: str) -> str:
    """A document whose artifact's name is the JSON text `name`."""
    return (
        '{"passport": {"unfragile": {"artifact": {"slug": "' + slug + '", "name": ' + name + "}}}}"
    )


def send(
    connection: http.client.HTTPConnection, hostile: Hostile, token: str | None
) -> tuple[int, bytes]:
    headers = {"Accept": "application/json, text/html", **hostile.headers}
    data: bytes | None = None
    if hostile.body is not None:
        data = hostile.body.encode("ascii")
        headers["Content-Type"] = "application/json"
    elif hostile.form is not None:
        data = hostile.form.encode("ascii")
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if hostile.staff and token:
        headers["Authorization"] = f"Token {token}"
    connection.request(hostile.method, hostile.path, body=data, headers=headers)
    response = connection.getresponse()
    return response.status, response.read()


def loopback(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if (
        parts.scheme != "http"
        or address is None
        or address not in ipaddress.ip_network("127.0.0.0/8")
    ):
        raise SystemExit(f"error: --url must be http://127.x.y.z[:port], not {url!r}")
    return host, parts.port or 80


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="http://127.0.0.1:8032 (127.0.0.0/8 only)")
    parser.add_argument("--slug", default="meta-llama-llama-4-maverick", help="a stored passport")
    parser.add_argument(
        "--token-env",
        default="REGISTRY_STAFF_TOKEN",
        help="environment variable holding a staff token (never on the command line)",
    )
    args = parser.parse_args(argv)
    host, port = loopback(args.url)
    token = os.environ.get(args.token_env) or None
    classes: Counter[str] = Counter()
    failures: list[str] = []
    accepted: list[str] = []  # a hostile document validate called valid
    for hostile in requests(args.slug):
        connection = http.client.HTTPConnection(host, port, timeout=60)
        try:
            status, content = send(connection, hostile, token)
        finally:
            connection.close()
        line = f"{status} {hostile.method} {hostile.path[:70]}  ({hostile.cause})"
        if hostile.path == "/api/v1/validate" and status == 200:
            valid = json.loads(content)["valid"]
            line += f" valid: {str(valid).lower()}"
            if valid:
                accepted.append(line)
        print(line)
        classes[f"{status // 100}xx"] += 1
        if status >= 500:
            failures.append(line)
    total = sum(classes.values())
    print(
        f"\n{total} hostile requests: " + ", ".join(f"{k} {v}" for k, v in sorted(classes.items()))
    )
    print(f"answers >= 500: {len(failures)}")
    for line in failures:
        print(f"  {line}")
    print(f"hostile documents validate called valid: {len(accepted)}")
    for line in accepted:
        print(f"  {line}")
    return 1 if failures or accepted else 0


if __name__ == "__main__":
    sys.exit(main())

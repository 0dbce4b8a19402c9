"""Secrets stay inside (issue 14, part 2): a probe sends the key it is allowed to, to an
address it is allowed to, and nothing else; a refused endpoint gets no request at all.

Every network call a test makes goes to 127.0.0.1. Which sockets a probe round opens
is read from Python's own audit events ("socket.connect", "socket.getaddrinfo"), so
the assertions see every connection the process attempts, not what our code reports.
"""

from __future__ import annotations

import io
import json
import os
import socket
import ssl
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from probes.client import ProbeCallError, chat_completion, make_client
from probes.kinds import build
from probes.models import EndpointBreaker, ProbeRun
from probes.services import probe_execute, probe_schedule
from registry.models import Artifact, ProviderEndpoint, Source

from .conftest import add_endpoint
from .provider import TLS_NAME, Provider, running_provider, tls_files

SLUG = "liquid-lfm-2-24b-a2b"
HTTPS_ONLY = (
    "base_url must be https:// (plain http:// only to a loopback address, and only when "
    "PROBE_ALLOW_LOOPBACK is on)"
)

LOOPBACK = "base_url points at 127.0.0.1, a loopback address, which a probe may not call"


# -- what the process really connects to ---------------------------------------------

_recording: list[tuple[str, Any]] | None = None
_hooked = False


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _recording is None:
        return
    if event == "socket.connect":
        sock, address = args
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            _recording.append(("connect", tuple(address[:2])))
    elif event == "socket.getaddrinfo":
        _recording.append(("resolve", args[0]))


@contextmanager
def network_seen() -> Iterator[list[tuple[str, Any]]]:
    """Every TCP connect and name resolution this process makes inside the block."""
    global _recording, _hooked
    if not _hooked:
        sys.addaudithook(_audit)  # hooks cannot be removed; it records only inside this block
        _hooked = True
    seen: list[tuple[str, Any]] = []
    _recording = seen
    try:
        yield seen
    finally:
        _recording = None


def _port(provider: Provider) -> int:
    return int(provider.url.rsplit(":", 1)[1].split("/")[0])


# -- the staff API refuses what would send a secret out ----------------------------


@pytest.fixture
def staff_api(api: Any, db: Any) -> Any:
    user = User.objects.create_user("staff", password="x" * 12, is_staff=True)
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "HOME"])
def test_staff_cannot_name_a_server_secret_as_api_key_env(
    seeds: list[str], staff_api: Any, settings: Any, name: str
) -> None:
    settings.PROBE_KEY_ENVS = ["OPENROUTER_API_KEY"]
    body = {"base_url": "https://openrouter.ai/api/v1", "model": "m", "api_key_env": name}
    response = staff_api.post(f"/api/v1/passport/{SLUG}/endpoints", body, format="json")
    assert (response.status_code, response.json()["error"]) == (
        400,
        {
            "code": "invalid",
            "message": f"api_key_env may name only a variable the operator allows in "
            f"PROBE_KEY_ENVS (OPENROUTER_API_KEY), not {name!r}",
            "field": "api_key_env",
        },
    )
    assert ProviderEndpoint.objects.filter(artifact__slug=SLUG).count() == 0


@pytest.mark.django_db
def test_staff_may_name_an_allowed_key_variable_and_an_https_provider(
    seeds: list[str], staff_api: Any, settings: Any
) -> None:
    settings.PROBE_KEY_ENVS = ["OPENROUTER_API_KEY"]
    settings.PROBE_ALLOW_LOOPBACK = False
    # An IP literal: the check needs no DNS, so the test stays on this machine.
    body = {"base_url": "https://8.8.8.8/v1", "model": "m", "api_key_env": "OPENROUTER_API_KEY"}
    response = staff_api.post(f"/api/v1/passport/{SLUG}/endpoints", body, format="json")
    assert response.status_code == 201
    assert (
        response.json()["endpoint"]["base_url"],
        response.json()["endpoint"]["api_key_env"],
    ) == (
        "https://8.8.8.8/v1",
        "OPENROUTER_API_KEY",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("base_url", "message"),
    [
        (
            "http://169.254.169.254/",
            "base_url points at 169.254.169.254, a cloud metadata address, "
            "which a probe may not call",
        ),
        (
            "https://169.254.169.254/latest",
            "base_url points at 169.254.169.254, a cloud metadata address, "
            "which a probe may not call",
        ),
        (
            "https://[fd00:ec2::254]/",
            "base_url points at fd00:ec2::254, a cloud metadata address, "
            "which a probe may not call",
        ),
        (
            "http://10.0.0.1/",
            "base_url points at 10.0.0.1, a private address, which a probe may not call",
        ),
        (
            "https://10.0.0.1/v1",
            "base_url points at 10.0.0.1, a private address, which a probe may not call",
        ),
        (
            "https://192.168.1.1/",
            "base_url points at 192.168.1.1, a private address, which a probe may not call",
        ),
        (
            "https://[fe80::1]/",
            "base_url points at fe80::1, a link-local address, which a probe may not call",
        ),
        (
            "https://169.254.1.1/",
            "base_url points at 169.254.1.1, a link-local address, which a probe may not call",
        ),
        (
            "https://[::ffff:10.0.0.1]/",
            "base_url points at 10.0.0.1, a private address, which a probe may not call",
        ),
        (
            "https://0.0.0.0/",
            "base_url points at 0.0.0.0, an unspecified address, which a probe may not call",
        ),
        (
            "https://224.0.0.1/",
            "base_url points at 224.0.0.1, a multicast address, which a probe may not call",
        ),
        (
            "https://100.64.0.1/",
            "base_url points at 100.64.0.1, a non-public address, which a probe may not call",
        ),
        (
            "https://127.0.0.1/",
            "base_url points at 127.0.0.1, a loopback address, which a probe may not call",
        ),
        (
            "https://[::1]:8443/",
            "base_url points at ::1, a loopback address, which a probe may not call",
        ),
        ("http://example.com/", HTTPS_ONLY),
        (
            "http://127.0.0.1:8000/v1",
            "base_url points at 127.0.0.1, a loopback address, which a probe may not call",
        ),
        ("http://localhost:8000/v1", HTTPS_ONLY),
    ],
)
def test_staff_cannot_point_a_probe_inside(
    seeds: list[str], staff_api: Any, settings: Any, base_url: str, message: str
) -> None:
    settings.PROBE_ALLOW_LOOPBACK = False
    body = {"base_url": base_url, "model": "m", "provider": "p"}
    response = staff_api.post(f"/api/v1/passport/{SLUG}/endpoints", body, format="json")
    assert (response.status_code, response.json()["error"]) == (
        400,
        {"code": "invalid", "message": message, "field": "base_url"},
    )
    assert ProviderEndpoint.objects.filter(artifact__slug=SLUG).count() == 0


@pytest.mark.django_db
def test_a_name_that_resolves_inside_is_refused_when_it_is_added(
    seeds: list[str], staff_api: Any, settings: Any
) -> None:
    settings.PROBE_ALLOW_LOOPBACK = False
    body = {"base_url": "https://localhost:8443/v1", "model": "m", "provider": "p"}
    response = staff_api.post(f"/api/v1/passport/{SLUG}/endpoints", body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["field"] == "base_url"
    assert error["message"] in {
        "base_url's host 'localhost' resolves to 127.0.0.1, a loopback address, "
        "which a probe may not call",
        "base_url's host 'localhost' resolves to ::1, a loopback address, "
        "which a probe may not call",
    }


@pytest.mark.django_db
def test_plain_http_to_loopback_only_when_the_operator_allows_it(
    seeds: list[str], staff_api: Any, settings: Any, provider: Provider
) -> None:
    url = f"/api/v1/passport/{SLUG}/endpoints"
    body = {"base_url": provider.url, "model": "m", "provider": "loop"}
    settings.PROBE_ALLOW_LOOPBACK = False
    response = staff_api.post(url, body, format="json")
    assert (response.status_code, response.json()["error"]["message"]) == (400, LOOPBACK)
    settings.PROBE_ALLOW_LOOPBACK = True
    assert staff_api.post(url, body, format="json").status_code == 201
    # Even allowed, plain http goes to loopback only.
    for outside in ("http://example.com/v1", "http://10.0.0.1/v1"):
        response = staff_api.post(url, {**body, "base_url": outside}, format="json")
        assert (response.status_code, response.json()["error"]["field"]) == (400, "base_url")


# -- a probe round re-checks at call time and sends nothing it may not ------------


def _legacy_endpoint(model: str, base_url: str, api_key_env: str = "") -> ProviderEndpoint:
    """A row written before the rules (or behind the service's back): no check ran."""
    return ProviderEndpoint.objects.create(
        artifact=Artifact.objects.get(slug=SLUG),
        source=Source.API,
        source_key=f"{SLUG}/legacy/{model}",
        provider=f"legacy-{model}",
        model_name=model,
        base_url=base_url,
        api_key_env=api_key_env,
        protocol="openai-chat",
    )


@pytest.mark.django_db
def test_a_round_sends_no_request_but_to_allowed_hosts(
    seeds: list[str], provider: Provider, monkeypatch: Any
) -> None:
    monkeypatch.setenv("SECRET_KEY", "server-secret-must-stay-inside")
    monkeypatch.setenv("PROBE_TEST_KEY", "sk-allowed-key")
    add_endpoint(SLUG, provider, "good", api_key_env="PROBE_TEST_KEY")
    _legacy_endpoint("steal", provider.url, api_key_env="SECRET_KEY")
    _legacy_endpoint("metadata", "http://169.254.169.254/latest/meta-data")
    _legacy_endpoint("private", "http://10.0.0.1/v1")
    _legacy_endpoint("linklocal", "https://[fe80::1]/v1")
    _legacy_endpoint("plain", "http://example.com/v1")

    out = io.StringIO()
    with network_seen() as seen:
        call_command("probe", slug=SLUG, kind=["chat"], stdout=out)

    assert [(s.model, s.authorization) for s in provider.requests] == [
        ("good", "Bearer sk-allowed-key")
    ]
    assert {address for what, address in seen if what == "connect"} == {
        ("127.0.0.1", _port(provider))
    }
    assert {host for what, host in seen if what == "resolve"} <= {"127.0.0.1"}
    lines = out.getvalue().splitlines()
    refused = sorted(line.split(None, 2)[1] for line in lines if " refused " in line)
    assert refused == [
        "legacy-linklocal:linklocal",
        "legacy-metadata:metadata",
        "legacy-plain:plain",
        "legacy-private:private",
        "legacy-steal:steal",
    ]
    assert "server-secret-must-stay-inside" not in out.getvalue()
    assert list(ProbeRun.objects.values_list("endpoint__model_name", "status")) == [
        ("good", "pass")
    ]


@pytest.mark.django_db
def test_a_pending_run_whose_endpoint_broke_the_rules_is_refused_not_sent(
    seeds: list[str], provider: Provider, settings: Any, monkeypatch: Any
) -> None:
    """The rules changed (or the row was edited) between scheduling and the call."""
    monkeypatch.setenv("SECRET_KEY", "server-secret-must-stay-inside")
    endpoint = add_endpoint(SLUG, provider, "alpha")
    (run_id,) = probe_schedule(slug=SLUG, kinds=["chat"]).run_ids
    ProviderEndpoint.objects.filter(pk=endpoint.pk).update(api_key_env="SECRET_KEY")
    with network_seen() as seen:
        run = probe_execute(run_id=run_id)
    assert run is not None
    assert (run.status, run.error_class, run.message, run.http_status) == (
        "skipped",
        "refused",
        "api_key_env may name only a variable the operator allows in PROBE_KEY_ENVS "
        "(OPENROUTER_API_KEY, PROBE_TEST_KEY, PROBE_TEST_UNSET_KEY, MY_KEY), not 'SECRET_KEY'",
        None,
    )
    assert [what for what, _ in seen if what == "connect"] == []
    assert provider.count() == 0


@pytest.mark.django_db
def test_loopback_is_refused_when_not_allowed_even_through_a_name(
    seeds: list[str], provider: Provider, settings: Any
) -> None:
    """`localhost` passes every check a URL alone allows; its addresses do not."""
    port = _port(provider)
    endpoint = add_endpoint(SLUG, provider, "alpha")
    ProviderEndpoint.objects.filter(pk=endpoint.pk).update(base_url=f"https://localhost:{port}/v1")
    (run_id,) = probe_schedule(slug=SLUG, kinds=["chat"]).run_ids
    settings.PROBE_ALLOW_LOOPBACK = False
    with network_seen() as seen:
        run = probe_execute(run_id=run_id)
    assert run is not None
    assert (run.status, run.error_class) == ("skipped", "refused")
    assert run.message in {
        "base_url's host 'localhost' resolves to 127.0.0.1, a loopback address, "
        "which a probe may not call",
        "base_url's host 'localhost' resolves to ::1, a loopback address, "
        "which a probe may not call",
    }
    assert [what for what, _ in seen if what == "connect"] == []
    assert provider.count() == 0
    # A refusal is ours, not the provider's failing: it does not count towards the breaker.
    assert list(EndpointBreaker.objects.values_list("consecutive_failures", flat=True)) == []


def test_client_refuses_loopback_unless_told_and_sends_nothing(provider: Provider) -> None:
    probe = build("chat", nonce="0a1b2c3d")
    with make_client(connect_timeout=2, read_timeout=5) as client, network_seen() as seen:
        with pytest.raises(ProbeCallError) as caught:
            chat_completion(
                client=client,
                base_url=provider.url,
                model="m",
                api_key="sk-x",
                messages=probe.messages,
                stream=False,
                max_tokens=20,
                allow_loopback=False,
            )
    assert (caught.value.error_class, caught.value.retryable, caught.value.message) == (
        "refused",
        False,
        LOOPBACK,
    )
    assert seen == []
    assert provider.count() == 0


def test_a_name_is_resolved_once_and_the_call_goes_to_the_vetted_address(
    provider: Provider, monkeypatch: Any
) -> None:
    """DNS rebinding: the first answer is checked, later answers are never used.

    The resolver (the standard library's, as everything in the process sees it) answers
    127.0.0.1 for `rebind.localhost` once and 127.0.0.2 (where nothing listens) after
    that; a client that checked one answer and let the connection resolve again would
    reach 127.0.0.2 and fail. The Host header still names the host the URL names.
    """
    real = socket.getaddrinfo
    answers: list[str] = []

    def rebinding(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != "rebind.localhost":
            return real(host, port, *args, **kwargs)
        address = "127.0.0.1" if not answers else "127.0.0.2"
        answers.append(address)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 0))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    port = _port(provider)
    probe = build("chat", nonce="0a1b2c3d")
    with make_client(connect_timeout=2, read_timeout=5) as client, network_seen() as seen:
        answer = chat_completion(
            client=client,
            base_url=f"http://rebind.localhost:{port}/v1",
            model="m",
            api_key="",
            messages=probe.messages,
            stream=False,
            max_tokens=20,
            allow_loopback=True,
        )
    assert answer.text == "0a1b2c3d"
    assert answers == ["127.0.0.1"]
    assert [address for what, address in seen if what == "connect"] == [("127.0.0.1", port)]
    assert [(s.model, s.host) for s in provider.requests] == [("m", f"rebind.localhost:{port}")]


def test_https_goes_to_the_checked_address_and_still_verifies_the_name(
    monkeypatch: Any,
) -> None:
    """Pinning the address keeps TLS whole: the name goes out as SNI and the
    certificate is verified against it, so a name the certificate does not carry
    fails the handshake before a byte of the request (or its key) is sent."""
    real = socket.getaddrinfo

    def local(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in (TLS_NAME, "other.localhost"):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", local)
    probe = build("chat", nonce="0a1b2c3d")
    trust = ssl.create_default_context(cafile=str(tls_files()[0]))
    with (
        running_provider(tls=True) as provider,
        httpx.Client(verify=trust, trust_env=False) as client,
    ):
        port = _port(provider)

        def call(base_url: str) -> Any:
            return chat_completion(
                client=client,
                base_url=base_url,
                model="m",
                api_key="sk-tls-key",
                messages=probe.messages,
                stream=False,
                max_tokens=20,
                allow_loopback=True,
            )

        assert call(provider.url).text == "0a1b2c3d"
        with pytest.raises(ProbeCallError) as caught:
            call(f"https://other.localhost:{port}/v1")
        assert provider.url == f"https://svc.localhost:{port}/v1"
        assert [(s.host, s.authorization) for s in provider.requests] == [
            (f"svc.localhost:{port}", "Bearer sk-tls-key")
        ]
        assert provider.sni[:2] == ["svc.localhost", "other.localhost"]
    assert caught.value.error_class == "connection"
    assert caught.value.message.startswith(
        "ConnectError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname "
        "mismatch, certificate is not valid for 'other.localhost'."
    )


# -- importers write only endpoints the rules allow --------------------------------


@pytest.mark.django_db
def test_imported_openrouter_endpoints_obey_the_default_rules(settings: Any) -> None:
    from probes.services import endpoint_refusal
    from registry.importers.openrouter import openrouter_import

    settings.PROBE_ALLOW_LOOPBACK = False
    settings.PROBE_KEY_ENVS = ["OPENROUTER_API_KEY"]
    models = {
        "data": [
            {
                "id": "acme/widget-1",
                "name": "Acme: Widget 1",
                "description": "A model.",
                "context_length": 8192,
                "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
                "pricing": {"prompt": "0.000001", "completion": "0.000002"},
            }
        ]
    }
    summary = openrouter_import(data=json.dumps(models).encode(), label="t")
    assert dict(summary.counts) == {"created": 1}
    endpoints = list(ProviderEndpoint.objects.exclude(base_url=""))
    assert [(e.base_url, e.api_key_env) for e in endpoints] == [
        ("https://openrouter.ai/api/v1", "OPENROUTER_API_KEY")
    ]
    assert [endpoint_refusal(e, resolve=False) for e in endpoints] == [None]


def test_the_server_will_not_start_with_its_own_secret_as_a_probe_key(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "PROBE_KEY_ENVS": "OPENROUTER_API_KEY,SECRET_KEY",
        "VAR_DIR": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert (
        "django.core.exceptions.ImproperlyConfigured: PROBE_KEY_ENVS names variables that hold "
        "a provider's key (A-Z, 0-9, _), never one of the server's own secrets; got 'SECRET_KEY'"
    ) in done.stderr

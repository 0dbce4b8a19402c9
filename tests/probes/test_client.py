"""The chat-completions client against a scripted loopback provider."""

from __future__ import annotations

import pytest

from probes.client import (
    REDACTED,
    ProbeCallError,
    RetryPolicy,
    chat_completion,
    make_client,
    parse_retry_after,
    redact,
    with_retries,
)
from probes.kinds import build, check

from .provider import Provider

KEY = "sk-test-0123456789abcdef"


def call(
    provider: Provider,
    model: str,
    *,
    stream: bool = False,
    read: float = 5.0,
    attempts: int = 3,
    sleeps: list[float] | None = None,
    cap: float = 5.0,
):  # type: ignore[no-untyped-def]
    probe = build("streaming" if stream else "chat", nonce="0a1b2c3d")
    waits = sleeps if sleeps is not None else []
    with make_client(connect_timeout=2, read_timeout=read) as client:
        answer = with_retries(
            lambda: chat_completion(
                client=client,
                base_url=provider.url,
                model=model,
                api_key=KEY,
                messages=probe.messages,
                stream=stream,
                max_tokens=50,
                allow_loopback=True,  # the stand-in provider is on 127.0.0.1
            ),
            RetryPolicy(max_attempts=attempts, backoff=0.01, cap=cap),
            sleep=waits.append,
        )
    return probe, answer


def test_client_plain_json_answer(provider: Provider) -> None:
    probe, answer = call(provider, "m")
    assert answer.text == "0a1b2c3d"
    assert (answer.http_status, answer.prompt_tokens, answer.completion_tokens) == (200, 12, 5)
    assert answer.attempts == 1
    assert check(probe, answer.text).passed is True
    assert provider.requests[0].authorization == f"Bearer {KEY}"


def test_client_streaming_collects_chunks_and_ttft(provider: Provider) -> None:
    _probe, answer = call(provider, "m", stream=True)
    assert answer.text == "0a1b2c3d"
    assert answer.chunks == 3  # "0a1", "b2c", "3d"
    assert answer.ttft_ms is not None and answer.ttft_ms <= answer.latency_ms
    assert provider.requests[0].stream is True


def test_client_429_honours_retry_after(provider: Provider) -> None:
    provider.script["m"] = ["429:2", "429:1", "ok"]
    sleeps: list[float] = []
    _probe, answer = call(provider, "m", sleeps=sleeps)
    assert answer.text == "0a1b2c3d"
    assert sleeps == [2.0, 1.0]
    assert provider.count("m") == 3
    assert answer.attempts == 3


def test_client_gives_up_when_retry_after_exceeds_the_cap(provider: Provider) -> None:
    provider.script["m"] = ["429:120"]
    sleeps: list[float] = []
    with pytest.raises(ProbeCallError) as caught:
        call(provider, "m", sleeps=sleeps, cap=30)
    assert (caught.value.error_class, caught.value.http_status, caught.value.retry_after) == (
        "rate_limited",
        429,
        120.0,
    )
    assert sleeps == []
    assert provider.count("m") == 1


def test_client_500_is_retried_with_backoff_up_to_the_cap(provider: Provider) -> None:
    provider.script["m"] = ["500"]
    sleeps: list[float] = []
    with pytest.raises(ProbeCallError) as caught:
        call(provider, "m", sleeps=sleeps, attempts=4)
    assert (caught.value.error_class, caught.value.http_status) == ("server_error", 500)
    assert provider.count("m") == 4
    assert len(sleeps) == 3
    # 0.01, 0.02, 0.04 with +-25% jitter
    for wait, base in zip(sleeps, [0.01, 0.02, 0.04], strict=True):
        assert base * 0.75 <= wait <= base * 1.25


def test_client_500_then_ok_recovers(provider: Provider) -> None:
    provider.script["m"] = ["500", "ok"]
    _probe, answer = call(provider, "m")
    assert (answer.text, answer.attempts, provider.count("m")) == ("0a1b2c3d", 2, 2)


def test_client_malformed_json_is_not_retried(provider: Provider) -> None:
    provider.script["m"] = ["malformed"]
    with pytest.raises(ProbeCallError) as caught:
        call(provider, "m")
    assert (caught.value.error_class, caught.value.retryable) == ("malformed", False)
    assert provider.count("m") == 1


def test_client_stream_cut_halfway_is_a_connection_error(provider: Provider) -> None:
    provider.script["m"] = ["cut"]
    with pytest.raises(ProbeCallError) as caught:
        call(provider, "m", stream=True, attempts=2)
    assert caught.value.error_class == "connection_cut"
    assert provider.count("m") == 2


def test_client_slow_provider_times_out_and_is_retried(provider: Provider) -> None:
    provider.script["m"] = ["slow:1.5", "ok"]
    _probe, answer = call(provider, "m", read=0.5)
    assert (answer.text, answer.attempts, provider.count("m")) == ("0a1b2c3d", 2, 2)
    provider.script["s"] = ["slow:1.5"]
    with pytest.raises(ProbeCallError) as caught:
        call(provider, "s", read=0.5, attempts=2)
    assert caught.value.error_class == "timeout"


def test_client_connection_refused(provider: Provider) -> None:
    dead = Provider(url="http://127.0.0.1:9/v1")
    with pytest.raises(ProbeCallError) as caught:
        call(dead, "m", attempts=2)
    assert (caught.value.error_class, caught.value.retryable) == ("connection", True)


def test_client_redacts_a_key_the_provider_echoes(provider: Provider) -> None:
    provider.script["m"] = ["echo_key"]
    with pytest.raises(ProbeCallError) as caught:
        call(provider, "m")
    assert KEY not in str(caught.value)
    assert caught.value.message == f'HTTP 401: {{"error": "bad key: Bearer {REDACTED}"}}'


def test_redact_and_retry_after_parsing() -> None:
    assert (
        redact("key=abc123 and Bearer xyz", ["abc123"]) == f"key={REDACTED} and Bearer {REDACTED}"
    )
    assert parse_retry_after("7") == 7.0
    # A provider's odd digits are no wait to honour, and no crash (issue 14).
    assert parse_retry_after("\u00b2") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert parse_retry_after("soon") is None

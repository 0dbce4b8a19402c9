"""An httpx client for OpenAI-compatible chat completions: plain JSON and SSE streaming.

Every failure becomes a ProbeCallError with an error class and whether a retry
can help (timeouts, connection errors, 429, 5xx). The API key is read by the
caller from the environment at call time, sent in one header, and redacted
from every message this module produces. It is sent only to an address the
operator's rules allow (probes.egress), checked here before every call.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from ipaddress import IPv6Address
from typing import Any

import httpx

from core.numbers import plain_int

from .egress import IPAddress, Refused, Unresolved, target_addresses, target_parse

REDACTED = "[redacted]"
REFUSED = "refused"  # the error class of a call the operator's rules do not allow
_BEARER = re.compile(r"(?i)(bearer\s+)[^\s\"',;]+")


def redact(text: str, secrets: Sequence[str] = ()) -> str:
    """`text` without any of `secrets` and without anything after 'Bearer '."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return _BEARER.sub(lambda m: m.group(1) + REDACTED, text)


class ProbeCallError(Exception):
    """A call that produced no usable answer. `message` is already redacted."""

    def __init__(
        self,
        error_class: str,
        message: str,
        *,
        retryable: bool,
        http_status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{error_class}: {message}")
        self.error_class = error_class
        self.message = message
        self.retryable = retryable
        self.http_status = http_status
        self.retry_after = retry_after


@dataclass
class ChatAnswer:
    text: str
    http_status: int
    latency_ms: float
    ttft_ms: float | None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    chunks: int = 0
    attempts: int = 1


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    seconds = plain_int(value, max_digits=9)
    if seconds is not None:
        return float(seconds)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - (now if now is not None else time.time()))


def _usage(body: dict[str, Any]) -> tuple[int | None, int | None]:
    usage = body.get("usage")
    if not isinstance(usage, dict):
        return None, None
    prompt, completion = usage.get("prompt_tokens"), usage.get("completion_tokens")
    return (
        prompt if isinstance(prompt, int) else None,
        completion if isinstance(completion, int) else None,
    )


def _content(choice: Any, key: str) -> str:
    if not isinstance(choice, dict) or not isinstance(choice.get(key), dict):
        return ""
    content = choice[key].get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts
        return "".join(
            part.get("text", "") for part in content if isinstance(part, dict)
        )  # pragma: no cover - rare
    return ""


def _http_error(response: httpx.Response, secrets: Sequence[str]) -> ProbeCallError:
    status = response.status_code
    body = redact(response.text[:300], secrets)
    if status == 429:
        return ProbeCallError(
            "rate_limited",
            f"HTTP 429: {body}",
            retryable=True,
            http_status=status,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
    if status >= 500:
        return ProbeCallError(
            "server_error", f"HTTP {status}: {body}", retryable=True, http_status=status
        )
    return ProbeCallError(
        "client_error", f"HTTP {status}: {body}", retryable=False, http_status=status
    )


def chat_completion(
    *,
    client: httpx.Client,
    base_url: str,
    model: str,
    api_key: str,
    messages: list[dict[str, Any]],
    stream: bool,
    max_tokens: int,
    allow_loopback: bool,
) -> ChatAnswer:
    """One POST to {base_url}/chat/completions. Raises ProbeCallError.

    The URL and every address its host resolves to are checked first
    (probes.egress); a refused one is a ProbeCallError "refused" and nothing is
    sent, not even a connection attempt.
    """
    secrets = [api_key] if api_key else []
    try:
        target = target_parse(base_url, allow_loopback=allow_loopback)
        addresses = target_addresses(target, allow_loopback=allow_loopback)
    except Refused as exc:
        raise ProbeCallError(REFUSED, exc.message, retryable=False) from None
    except Unresolved as exc:
        # DNS may answer next time: like a connection error, worth a retry.
        raise ProbeCallError("connection", redact(str(exc), secrets), retryable=True) from None
    # The call connects to the address just checked, never to the name: the URL names
    # the address, the Host header names the host, and for https the `sni_hostname`
    # extension makes httpcore send the name as SNI and verify the certificate against
    # it (ssl's check_hostname). Letting httpx resolve the name again would open the
    # window DNS rebinding needs: a first answer that passes the check, a second (a
    # metadata or private address) that the connection uses. httpcore pools
    # connections by address, not by name: "Connection: close" keeps a connection
    # verified for one name from carrying a request (and its key) for another name
    # on the same address. A probe is one call every few hours; a handshake is cheap.
    headers = {
        "Content-Type": "application/json",
        "Host": target.host_header,
        "Connection": "close",
    }
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    extensions = (
        {"sni_hostname": target.host} if target.scheme == "https" and target.literal is None else {}
    )
    body: dict[str, Any] = {
        "model": model,
        "messages": messages,
        "max_tokens": max_tokens,
        "temperature": 0,
        "stream": stream,
    }
    started = time.perf_counter()
    try:
        for n, address in enumerate(addresses):
            url = f"{target.scheme}://{pinned_host(address)}:{target.port}{target.path}"
            try:
                return _exchange(
                    client,
                    url + "/chat/completions",
                    body=body,
                    headers=headers,
                    extensions=extensions,
                    stream=stream,
                    started=started,
                    secrets=secrets,
                )
            except httpx.ConnectError:
                # Nothing was sent: the next checked address of the same host may answer.
                if n + 1 == len(addresses):
                    raise
        raise ProbeCallError("connection", "no address to connect to", retryable=True)
    except httpx.TimeoutException as exc:
        raise ProbeCallError(
            "timeout", redact(f"{type(exc).__name__}: {exc}", secrets), retryable=True
        ) from None
    except httpx.RemoteProtocolError as exc:
        # The peer closed the connection mid-response (a stream cut halfway).
        raise ProbeCallError(
            "connection_cut", redact(f"{type(exc).__name__}: {exc}", secrets), retryable=True
        ) from None
    except httpx.TransportError as exc:
        raise ProbeCallError(
            "connection", redact(f"{type(exc).__name__}: {exc}", secrets), retryable=True
        ) from None


def pinned_host(address: IPAddress) -> str:
    """An address as a URL's host: IPv6 in brackets, an IPv4-mapped IPv6 as IPv4."""
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return f"[{address}]" if isinstance(address, IPv6Address) else str(address)


def _exchange(
    client: httpx.Client,
    url: str,
    *,
    body: dict[str, Any],
    headers: dict[str, str],
    extensions: dict[str, Any],
    stream: bool,
    started: float,
    secrets: Sequence[str],
) -> ChatAnswer:
    with client.stream("POST", url, json=body, headers=headers, extensions=extensions) as response:
        if response.status_code != 200:
            response.read()
            raise _http_error(response, secrets)
        if stream:
            return _read_stream(response, started, secrets)
        response.read()
        return _read_json(response, started, secrets)


def _read_json(response: httpx.Response, started: float, secrets: Sequence[str]) -> ChatAnswer:
    latency = (time.perf_counter() - started) * 1000
    try:
        body = json.loads(response.content)
    except ValueError:
        raise ProbeCallError(
            "malformed",
            f"response is not JSON: {redact(response.text[:200], secrets)!r}",
            retryable=False,
            http_status=200,
        ) from None
    choices = body.get("choices") if isinstance(body, dict) else None
    if not isinstance(choices, list) or not choices:
        raise ProbeCallError(
            "malformed", "response has no choices", retryable=False, http_status=200
        )
    prompt_tokens, completion_tokens = _usage(body)
    return ChatAnswer(
        text=_content(choices[0], "message"),
        http_status=200,
        latency_ms=latency,
        ttft_ms=latency,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
    )


def _read_stream(response: httpx.Response, started: float, secrets: Sequence[str]) -> ChatAnswer:
    parts: list[str] = []
    ttft: float | None = None
    chunks = 0
    done = False
    prompt_tokens = completion_tokens = None
    for line in response.iter_lines():
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            done = True
            break
        try:
            event = json.loads(data)
        except ValueError:
            raise ProbeCallError(
                "malformed",
                f"stream event is not JSON: {redact(data[:200], secrets)!r}",
                retryable=False,
                http_status=200,
            ) from None
        if not isinstance(event, dict):
            continue
        chunks += 1
        choices = event.get("choices") or []
        piece = _content(choices[0], "delta") if choices else ""
        if piece:
            if ttft is None:
                ttft = (time.perf_counter() - started) * 1000
            parts.append(piece)
        if isinstance(event.get("usage"), dict):
            prompt_tokens, completion_tokens = _usage(event)
    if not done:
        raise ProbeCallError(
            "stream_incomplete",
            f"the stream ended after {chunks} chunks without [DONE]",
            retryable=False,
            http_status=200,
        )
    return ChatAnswer(
        text="".join(parts),
        http_status=200,
        latency_ms=(time.perf_counter() - started) * 1000,
        ttft_ms=ttft,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        chunks=chunks,
    )


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    backoff: float = 1.0  # seconds before the second attempt; doubles, with jitter
    cap: float = 30.0  # no single wait is longer; a longer Retry-After gives up


def with_retries(
    call: Callable[[], ChatAnswer],
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> ChatAnswer:
    """Call until an answer, a non-retryable error, or the attempts run out.

    The last error is raised with `.attempts` set to the number of calls made.
    """
    attempt = 0
    while True:
        attempt += 1
        try:
            answer = call()
        except ProbeCallError as exc:
            exc.attempts = attempt  # type: ignore[attr-defined]
            if not exc.retryable or attempt >= policy.max_attempts:
                raise
            if exc.retry_after is not None:
                if exc.retry_after > policy.cap:
                    raise  # the provider asks for longer than a probe may wait
                wait = exc.retry_after
            else:
                wait = min(policy.cap, policy.backoff * 2 ** (attempt - 1))
                wait *= 0.75 + random.random() / 2
            sleep(wait)
            continue
        answer.attempts = attempt
        return answer


def make_client(*, connect_timeout: float, read_timeout: float) -> httpx.Client:
    timeout = httpx.Timeout(connect=connect_timeout, read=read_timeout, write=10.0, pool=10.0)
    # No proxies from the environment and no redirects: a probe talks to the
    # endpoint it names and to nothing else.
    return httpx.Client(timeout=timeout, trust_env=False, follow_redirects=False)

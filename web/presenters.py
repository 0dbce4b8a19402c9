"""How the pages show values: prices, token counts, trust bars, comparison rows.

Pure formatting of what the selectors read; no queries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from passports.selectors import Signature
from registry.models import COMPONENTS, Artifact, Trust


def usd_per_1m(value: Decimal | None) -> str:
    """A per-1M-token price as dollars, exact (Decimal), at least two decimals."""
    if value is None:
        return "—"
    if value == 0:
        return "free"
    text = format(value.normalize(), "f")
    whole, _dot, fraction = text.partition(".")
    fraction = fraction.ljust(2, "0")
    return f"${whole}.{fraction}"


def token_count(value: int | None) -> str:
    if value is None:
        return "—"
    return f"{value:,}"


# ------------------------------------------------------------------ trust bars


@dataclass(frozen=True)
class Bar:
    name: str
    value: float  # the component, 0..1
    weight: float
    contribution: float  # weight * value, in score points (0..100)
    source: str  # "measured" | "imported"
    y: int
    width: int  # of the value bar, in SVG units out of BAR_WIDTH
    contribution_width: int


BAR_WIDTH = 320


def trust_bars(trust: Trust) -> list[Bar]:
    sources = trust.component_sources or {}
    values, weights = trust.components(), trust.weights()
    bars = []
    for index, name in enumerate(COMPONENTS):
        value, weight = float(values[name]), float(weights[name])
        bars.append(
            Bar(
                name=name,
                value=value,
                weight=weight,
                contribution=round(100 * weight * value, 1),
                source=str(sources.get(name, "measured")),
                y=index * 48,
                width=round(BAR_WIDTH * max(0.0, min(1.0, value))),
                contribution_width=round(BAR_WIDTH * max(0.0, min(1.0, weight * value))),
            )
        )
    return bars


# ------------------------------------------------------------------ compare


@dataclass(frozen=True)
class CompareRow:
    label: str
    values: list[str]

    @property
    def differs(self) -> bool:
        return len(set(self.values)) > 1


def _joined(items: Iterable[Any]) -> str:
    return ", ".join(str(item) for item in items) or "—"


def compare_rows(
    artifacts: Sequence[Artifact], signatures: dict[int, Signature]
) -> list[CompareRow]:
    def row(label: str, getter: Callable[[Artifact], str]) -> CompareRow:
        return CompareRow(label=label, values=[getter(artifact) for artifact in artifacts])

    def signature(artifact: Artifact) -> str:
        sig = signatures.get(artifact.pk)
        if sig is None:
            return "not signed"
        return f"v{sig.version}, " + ("valid" if sig.valid else f"invalid: {sig.reason}")

    rows = [
        row("Type", lambda a: a.type),
        row("Trust score", lambda a: str(a.trust.score)),
        row("Verified builder", lambda a: "yes" if a.verified else "no"),
        row("Input modalities", lambda a: _joined(a.input_modalities)),
        row("Output modalities", lambda a: _joined(a.output_modalities)),
        row("Context (tokens)", lambda a: token_count(a.context_length)),
        row("Max output (tokens)", lambda a: token_count(a.max_output_tokens)),
        row("Prompt price per 1M tokens", lambda a: usd_per_1m(a.prompt_price_per_1m)),
        row("Completion price per 1M tokens", lambda a: usd_per_1m(a.completion_price_per_1m)),
        row(
            "Open weights",
            lambda a: "unknown" if a.open_weights is None else ("yes" if a.open_weights else "no"),
        ),
        row("Categories", lambda a: _joined(a.categories)),
        row("Capabilities", lambda a: str(a.capability_count)),  # type: ignore[attr-defined]
        row("Providers", lambda a: str(a.endpoint_count)),  # type: ignore[attr-defined]
        row("Signature", signature),
    ]
    rows += [
        row(name.replace("_", " ").capitalize() + " (trust component)", _component(name))
        for name in COMPONENTS
    ]
    return rows


def _component(name: str) -> Callable[[Artifact], str]:
    def value(artifact: Artifact) -> str:
        source = (artifact.trust.component_sources or {}).get(name, "measured")
        return f"{artifact.trust.components()[name]:.2f} ({source})"

    return value

"""Findings: what a rule says about a set of facts, with its article and evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    PASS = "pass"
    BLOCK = "block"
    WARN = "warn"
    # The article allows an exception ("法律法规有明确规定的除外", leading-group approval…):
    # the action may go on only with a justification that a reviewer accepts.
    NEEDS_JUSTIFICATION = "needs_justification"


OUTCOME_LABELS = {
    Outcome.PASS: "符合",
    Outcome.BLOCK: "不符合",
    Outcome.WARN: "提示",
    Outcome.NEEDS_JUSTIFICATION: "需说明依据",
}

CHINESE_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 18 → 十八, 54 → 五十四 (enough for the measures' 54 articles)."""
    if n <= 0 or n >= 100:
        raise ValueError(f"不支持的序号：{n}")
    tens, ones = divmod(n, 10)
    text = ""
    if tens:
        text = ("" if tens == 1 else CHINESE_DIGITS[tens]) + "十"
    if ones:
        text += CHINESE_DIGITS[ones]
    return text


@dataclass(frozen=True, order=True)
class Citation:
    """A place in the measures: 第十八条第二款第三项 → Citation(18, item=3, paragraph=2)."""

    article: int
    item: int | None = None
    paragraph: int | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.article <= 54:
            raise ValueError(f"《办法》只有第一条至第五十四条，没有第{self.article}条")

    @property
    def label(self) -> str:
        text = f"第{chinese_number(self.article)}条"
        if self.paragraph:
            text += f"第{chinese_number(self.paragraph)}款"
        if self.item:
            text += f"第{chinese_number(self.item)}项"
        return text

    def as_dict(self) -> dict[str, int | None]:
        return {"article": self.article, "paragraph": self.paragraph, "item": self.item}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Citation:
        return cls(int(data["article"]), data.get("item"), data.get("paragraph"))


def _plain(value: Any) -> Any:
    """Evidence is stored as JSON: Decimals become exact strings, never floats."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return str(value)
    return value


@dataclass(frozen=True)
class Finding:
    rule: str
    outcome: Outcome
    message: str
    citation: Citation
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def blocks(self) -> bool:
        return self.outcome == Outcome.BLOCK

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS[self.outcome]

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "outcome": str(self.outcome),
            "message": self.message,
            "citation": self.citation.as_dict(),
            "citation_label": self.citation.label,
            "evidence": _plain(self.evidence),
        }


def blocking(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.outcome == Outcome.BLOCK]

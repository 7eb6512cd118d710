"""Policy profiles: jurisdiction + effective date + parameters (pure Python).

A city or county that adopts its own measures (第五十三条) is a profile whose
parent is the province's; it overrides some parameters and inherits the rest.
Resolution walks city → province and fails loudly when nothing is in force.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import yaml

from .parameters import PARAMETERS, ParameterError, coerce_parameters


class NoProfileInForce(LookupError):
    pass


@dataclass(frozen=True)
class ProfileDocument:
    """One profile as written by an administrator (YAML/JSON) or stored in the database."""

    key: str
    name: str
    jurisdiction: str  # code of the jurisdiction, e.g. "510000" (四川省) or "510100" (成都市)
    effective_from: date
    effective_to: date | None
    parameters: dict[str, Any]
    parent_jurisdiction: str | None = None
    version: int = 1
    source: str = ""

    @property
    def is_root(self) -> bool:
        return self.parent_jurisdiction is None

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


def _parse_date(value: Any, field_name: str) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise ParameterError(f"{field_name} 不是有效日期（YYYY-MM-DD）：{value!r}") from exc
    raise ParameterError(f"{field_name} 必须是日期（YYYY-MM-DD），收到 {value!r}")


def parse_profile(data: dict[str, Any]) -> ProfileDocument:
    """Validate a profile mapping (from YAML or JSON) and return the document, or raise ParameterError."""
    if not isinstance(data, dict):
        raise ParameterError("配置文件的顶层必须是映射")
    allowed = {"key", "name", "jurisdiction", "parent_jurisdiction", "effective_from", "effective_to",
               "parameters", "source"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ParameterError(f"配置文件含有未知字段：{'、'.join(unknown)}")
    for required in ("key", "name", "jurisdiction", "effective_from", "parameters"):
        if data.get(required) in (None, ""):
            raise ParameterError(f"配置文件缺少必填字段：{required}")
    start = _parse_date(data["effective_from"], "effective_from")
    end = _parse_date(data["effective_to"], "effective_to") if data.get("effective_to") else None
    if end is not None and end < start:
        raise ParameterError("effective_to 不能早于 effective_from")
    parent = data.get("parent_jurisdiction") or None
    params = coerce_parameters(data["parameters"], complete=parent is None)
    return ProfileDocument(
        key=str(data["key"]), name=str(data["name"]), jurisdiction=str(data["jurisdiction"]),
        effective_from=start, effective_to=end, parameters=params,
        parent_jurisdiction=str(parent) if parent else None, source=str(data.get("source", "")),
    )


def parse_document(text: str) -> dict[str, Any]:
    """YAML (or JSON, which is YAML) text → the raw mapping; syntax errors in Chinese."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ParameterError(f"配置文件不是有效的 YAML/JSON：{exc}") from exc
    if not isinstance(data, dict):
        raise ParameterError("配置文件的顶层必须是映射（key: value）")
    return data


def load_yaml(text: str) -> ProfileDocument:
    return parse_profile(parse_document(text))


def check_no_overlap(new: ProfileDocument, existing: Iterable[ProfileDocument]) -> None:
    """Two profiles of one jurisdiction may not be in force on the same day."""
    for other in existing:
        if other.jurisdiction != new.jurisdiction or other.key == new.key:
            continue
        new_end = new.effective_to or date.max
        other_end = other.effective_to or date.max
        if new.effective_from <= other_end and other.effective_from <= new_end:
            raise ParameterError(
                f"生效期与已有配置“{other.name}”（{other.effective_from} 至 {other.effective_to or '长期'}）重叠，"
                f"同一地区同一天只能有一个配置生效"
            )


@dataclass(frozen=True)
class ResolvedProfile:
    """The parameters in force for one jurisdiction on one day, with where each came from."""

    on: date
    chain: tuple[ProfileDocument, ...]  # most specific first
    values: dict[str, Any] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)  # parameter → profile key

    @property
    def key(self) -> str:
        return self.chain[0].key

    @property
    def version_label(self) -> str:
        return "+".join(f"{p.key}@v{p.version}" for p in self.chain)

    def value(self, name: str) -> Any:
        if name not in PARAMETERS:
            raise KeyError(f"未定义的参数：{name}")
        if name not in self.values:
            raise NoProfileInForce(f"{self.on} 没有生效的配置为参数 {name} 赋值")
        return self.values[name]

    def evidence(self, *names: str) -> dict[str, Any]:
        """Parameter values with their citations and origin, for a finding's evidence."""
        return {
            name: {
                "value": self.value(name),
                "citation": PARAMETERS[name].citation.label,
                "profile": self.origin[name],
            }
            for name in names
        }


def resolve(documents: Iterable[ProfileDocument], jurisdiction: str, on: date,
            parents: dict[str, str | None]) -> ResolvedProfile:
    """Resolve the profile for ``jurisdiction`` on ``on``: its own profile (if any) over its parents'.

    ``parents`` maps each jurisdiction code to its parent's code (county → city → province).
    """
    docs = list(documents)
    chain: list[ProfileDocument] = []
    code: str | None = jurisdiction
    seen: set[str] = set()
    while code is not None and code not in seen:
        seen.add(code)
        in_force = [d for d in docs if d.jurisdiction == code and d.in_force_on(on)]
        if len(in_force) > 1:
            raise ParameterError(f"地区 {code} 在 {on} 有多个生效配置：{', '.join(d.key for d in in_force)}")
        if in_force:
            chain.append(in_force[0])
            if in_force[0].is_root:
                break
        code = parents.get(code)
    if not chain or not chain[-1].is_root:
        raise NoProfileInForce(f"地区 {jurisdiction} 在 {on} 没有生效的省级基准配置")
    values: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for doc in reversed(chain):
        for name, value in doc.parameters.items():
            values[name] = value
            origin[name] = doc.key
    return ResolvedProfile(on=on, chain=tuple(chain), values=values, origin=origin)

"""Profiles for rule tests: the shipped provincial profile, optionally with overrides (a city)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from policy.profiles import ResolvedProfile, load_yaml, parse_profile, resolve

PROVINCE_YAML = Path(__file__).resolve().parent.parent / "policy" / "profiles" / "sichuan-province-2021.yaml"
PROVINCE = "510000"
CITY = "510100"


def province_profile(on: date = date(2026, 1, 1)) -> ResolvedProfile:
    doc = load_yaml(PROVINCE_YAML.read_text(encoding="utf-8"))
    return resolve([doc], PROVINCE, on, {PROVINCE: None})


def city_profile(overrides: dict[str, Any], on: date = date(2026, 1, 1)) -> ResolvedProfile:
    province = load_yaml(PROVINCE_YAML.read_text(encoding="utf-8"))
    city = parse_profile({"key": "test-city", "name": "测试市", "jurisdiction": CITY, "parent_jurisdiction": PROVINCE,
                          "effective_from": "2022-01-01", "parameters": overrides})
    return resolve([province, city], CITY, on, {PROVINCE: None, CITY: PROVINCE})

"""Procurement records as an Open Contracting Data Standard (OCDS) 1.1 release package.

One release per non-classified procurement of a project: the tender (method, category, budget,
tenderers) and, once the bids are evaluated and one bid ranks first alone, an award to it with
status "pending" (the platform ranks the bids; the evaluation committee and the purchaser decide).
Classified procurements are never exported (第四十一条, see ``rules.ch06_procurement.classified_procurement``).

Amounts are written as JSON numbers straight from their Decimal text (``dumps``), never through float.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils import timezone

from rules.ch06_procurement import METHOD_LABELS, ProcurementCategory, ProcurementMethod

from . import selectors
from .models import Procurement

OCDS_VERSION = "1.1"
# The prefix is assigned by the Open Contracting Partnership on registration; until then this
# platform uses its own placeholder, fixed here so that every ocid stays stable.
OCID_PREFIX = "ocds-sczwxm"
PUBLISHER = {"name": "四川省政务信息化项目管理平台"}
CURRENCY = "CNY"

# The platform's own transcription of the OCDS 1.1 release package structure (not the official file,
# which cannot be downloaded here); the tests validate every export against it.
SCHEMA_PATH = Path(__file__).with_name("ocds_schema.json")

# OCDS 1.1 method codelist: open, selective, limited, direct (单一来源: one supplier without competition).
METHOD_MAP = {
    ProcurementMethod.OPEN_TENDER: "open",
    ProcurementMethod.INVITED_TENDER: "selective",
    ProcurementMethod.COMPETITIVE_CONSULTATION: "selective",
    ProcurementMethod.COMPETITIVE_NEGOTIATION: "selective",
    ProcurementMethod.INQUIRY: "selective",
    ProcurementMethod.SINGLE_SOURCE: "direct",
}
CATEGORY_MAP = {ProcurementCategory.GOODS: "goods", ProcurementCategory.SERVICES: "services"}
AWARD_CRITERIA = {"comprehensive": "ratedCriteria", "lowest_price": "priceOnly"}


def _iso(moment: datetime) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds")


def _value(amount: Decimal) -> dict:
    return {"amount": amount, "currency": CURRENCY}


def _org_id(code: str) -> str:
    return f"CN-SC-{code}"


def _bidder_id(procurement: Procurement, bidder_pk: int) -> str:
    return f"{ocid(procurement)}-bidder-{bidder_pk}"


def ocid(procurement: Procurement) -> str:
    return f"{OCID_PREFIX}-{procurement.project.number}-{procurement.pk}"


def release(procurement: Procurement) -> dict[str, Any]:
    project = procurement.project
    unit = project.unit
    buyer = {"id": _org_id(unit.code), "name": unit.name}
    bids = selectors.ranked_bids(procurement)
    tenderers = [{"id": _bidder_id(procurement, b.pk), "name": b.bidder} for b in bids]
    category = selectors.procurement_category(procurement)
    tender: dict[str, Any] = {
        "id": f"{ocid(procurement)}-tender",
        "title": procurement.title,
        "status": "complete" if procurement.evaluated_at else "active",
        "procurementMethod": METHOD_MAP[ProcurementMethod(procurement.method)],
        "procurementMethodDetails": METHOD_LABELS[ProcurementMethod(procurement.method)],
        "value": _value(procurement.budget),
        "tenderers": tenderers,
        "numberOfTenderers": len(tenderers),
    }
    if category in CATEGORY_MAP:
        tender["mainProcurementCategory"] = CATEGORY_MAP[category]
    if procurement.scoring_method:
        tender["awardCriteria"] = AWARD_CRITERIA[procurement.scoring_method]
    parties = [{**buyer, "roles": ["buyer", "procuringEntity"]}]
    parties += [{**t, "roles": ["tenderer"]} for t in tenderers]
    tags = ["tender"]
    awards = []
    first = [b for b in bids if b.valid and b.rank == 1]
    if procurement.evaluated_at and len(first) == 1:
        winner = first[0]
        supplier = {"id": _bidder_id(procurement, winner.pk), "name": winner.bidder}
        awards.append({"id": f"{ocid(procurement)}-award-1", "title": f"{procurement.title} 第一名",
                       "status": "pending", "date": _iso(procurement.evaluated_at), "value": _value(winner.price),
                       "suppliers": [supplier]})
        for party in parties:
            if party["id"] == supplier["id"]:
                party["roles"].append("supplier")
        tags.append("award")
    moment = procurement.evaluated_at or procurement.created_at
    data: dict[str, Any] = {
        "ocid": ocid(procurement),
        "id": f"{ocid(procurement)}-{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}",
        "date": _iso(moment),
        "tag": tags,
        "initiationType": "tender",
        "language": "zh",
        "parties": parties,
        "buyer": buyer,
        "tender": tender,
    }
    if awards:
        data["awards"] = awards
    return data


def release_package(procurements, *, uri: str, published: datetime | None = None) -> dict[str, Any]:
    """The package of one release per non-classified procurement."""
    return {
        "uri": uri,
        "version": OCDS_VERSION,
        "publishedDate": _iso(published or timezone.now()),
        "publisher": PUBLISHER,
        "releases": [release(p) for p in procurements if not p.classified],
    }


def dumps(value: Any) -> str:
    """JSON with Decimals written as exact numbers (``json`` would need float for that)."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k), ensure_ascii=False)}:{dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    if isinstance(value, float):
        raise TypeError("金额不得使用浮点数")
    return json.dumps(value, ensure_ascii=False)

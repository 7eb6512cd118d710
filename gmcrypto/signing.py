"""SM2 signatures of decisions (SECURITY.md R34).

Three decisions carry legal weight and are signed in the same transaction that records them:

- ``approval``: 省发展改革委批复 (第二十二条、第二十四条) — ``reviews.Approval``;
- ``acceptance``: 竣工验收结论 (第三十一条、第三十二条) — ``delivery.AcceptanceApplication``;
- ``scoring``: 综合评分法评审结果 (第三十九条第二款) — ``funding.Procurement`` with its bids.

The canonical form is sorted-key JSON without spaces (UTF-8, ``ensure_ascii=False``); Decimal as its string,
dates and datetimes ISO 8601 (datetimes in UTC). It is re-derived from the stored decision on verification,
so altering a field in the database, the stored canonical text or the signature each breaks verification.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from .models import DecisionKind, DecisionSignature
from .provider import SM2_SM3, SM3, digest_with, get_provider, key_id, sm2_verify_raw


def _default(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = value.astimezone(UTC)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"规范化不支持的类型：{type(value).__name__}")


def canonical_form(fields: dict) -> str:
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_default)


# --- the decisions' fields, read from the stored rows ----------------------------------------


def _approval_fields(approval) -> dict:
    return {
        "kind": DecisionKind.APPROVAL.value, "approval_id": approval.pk, "project_id": approval.project_id,
        "number": approval.number, "approved_total_investment": approval.approved_total_investment,
        "approved_content": approval.approved_content, "funding_sources": approval.funding_sources,
        "approval_date": approval.approval_date, "construction_months": approval.construction_months,
        "approved_by_id": approval.approved_by_id, "approved_at": approval.approved_at,
    }


def _acceptance_fields(application) -> dict:
    return {
        "kind": DecisionKind.ACCEPTANCE.value, "application_id": application.pk,
        "project_id": application.project_id, "status": application.status, "opinion": application.opinion,
        "opinion_number": application.opinion_number, "decided_on": application.decided_on,
        "decided_by_id": application.decided_by_id, "unit_organised": application.unit_organised,
    }


def _scoring_fields(procurement) -> dict:
    bids = []
    for bid in procurement.bids.order_by("bidder"):
        bids.append({
            "bidder": bid.bidder, "price": bid.price, "valid": bid.valid, "invalid_reason": bid.invalid_reason,
            "scores": bid.scores, "price_score": bid.price_score, "weighted_scores": bid.weighted_scores,
            "total": bid.total, "rank": bid.rank, "tied": bid.tied,
        })
    return {
        "kind": DecisionKind.SCORING.value, "procurement_id": procurement.pk, "project_id": procurement.project_id,
        "title": procurement.title, "budget": procurement.budget, "method": procurement.method,
        "scoring_method": procurement.scoring_method, "price_weight": procurement.price_weight,
        "criteria": procurement.criteria, "lowest_valid_price": procurement.lowest_valid_price,
        "evaluated_at": procurement.evaluated_at, "bids": bids,
    }


def _model(kind: str):
    from delivery.models import AcceptanceApplication
    from funding.models import Procurement
    from reviews.models import Approval

    return {DecisionKind.APPROVAL: Approval, DecisionKind.ACCEPTANCE: AcceptanceApplication,
            DecisionKind.SCORING: Procurement}[kind]


FIELDS = {DecisionKind.APPROVAL: _approval_fields, DecisionKind.ACCEPTANCE: _acceptance_fields,
          DecisionKind.SCORING: _scoring_fields}


def decision_fields(kind: str, obj) -> dict:
    return FIELDS[DecisionKind(kind)](obj)


def _label(obj) -> str:
    return f"{obj._meta.label_lower}:{obj.pk}"


def sign_decision(*, kind: str, obj, actor) -> DecisionSignature:
    """Sign the decision as stored. Call inside the transaction that writes the decision."""
    fresh = type(obj).objects.get(pk=obj.pk)  # the stored values (Decimal places, datetime precision)
    text = canonical_form(decision_fields(kind, fresh))
    provider = get_provider()
    data = text.encode("utf-8")
    signature = provider.sm2_sign(data)
    return DecisionSignature.objects.create(
        kind=kind, object_label=_label(fresh), object_id=str(fresh.pk), project_id=getattr(fresh, "project_id", None),
        canonical_text=text, digest_algorithm=SM3, canonical_digest=digest_with(SM3, data),
        algorithm=SM2_SM3, signature=signature.hex(), public_key=provider.sm2_public_key,
        public_key_id=provider.sm2_key_id, signed_at=timezone.now(), signed_by=actor if getattr(actor, "pk", None)
        else None)


# --- verification ------------------------------------------------------------------------------


@dataclass
class Verification:
    signature: DecisionSignature
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def trusted_public_keys() -> dict[str, str]:
    """The platform's current public key plus retired ones (``SM2_TRUSTED_PUBLIC_KEYS``, comma-separated hex)."""
    provider = get_provider()
    keys = {provider.sm2_key_id: provider.sm2_public_key.upper()}
    extra = getattr(settings, "SM2_TRUSTED_PUBLIC_KEYS", "") or os.environ.get("SM2_TRUSTED_PUBLIC_KEYS", "")
    if isinstance(extra, str):
        extra = [k.strip() for k in extra.split(",") if k.strip()]
    for public in extra:
        public = public.upper()[-128:]
        keys[key_id(bytes.fromhex(public), "sm2")] = public
    return keys


def verify_signature(signature: DecisionSignature) -> Verification:
    result = Verification(signature)
    data = signature.canonical_text.encode("utf-8")
    if signature.algorithm != SM2_SM3:
        result.problems.append(f"未知的签名算法 {signature.algorithm}")
        return result
    try:
        if digest_with(signature.digest_algorithm, data) != signature.canonical_digest:
            result.problems.append("规范文本与其摘要不符（规范文本被改动）")
    except ValueError as exc:
        result.problems.append(str(exc))
    trusted = trusted_public_keys()
    if trusted.get(signature.public_key_id) != signature.public_key.upper():
        result.problems.append(f"公钥 {signature.public_key_id} 不是平台信任的签名公钥")
    try:
        signature_bytes = bytes.fromhex(signature.signature)
    except ValueError:
        signature_bytes = b""
    if not sm2_verify_raw(signature.public_key, data, signature_bytes):
        result.problems.append("SM2 签名验证失败（签名值或规范文本被改动）")
    try:
        obj = _model(signature.kind).objects.get(pk=signature.object_id)
    except Exception:  # noqa: BLE001 - a missing row or a bad kind is reported, not raised
        result.problems.append("被签名的决定已不存在")
        return result
    current = canonical_form(decision_fields(signature.kind, obj))
    if current != signature.canonical_text:
        changed = _changed_keys(signature.canonical_text, current)
        result.problems.append("数据库中的决定与签名时不一致" + (f"：{'、'.join(changed)}" if changed else ""))
    return result


def _changed_keys(signed: str, current: str) -> list[str]:
    try:
        before, after = json.loads(signed), json.loads(current)
    except ValueError:
        return []
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def latest_signature(kind: str, obj) -> DecisionSignature | None:
    return DecisionSignature.objects.filter(kind=kind, object_label=_label(obj)).order_by("-signed_at", "-pk").first()


def verify_all(kind: str | None = None, limit: int | None = None) -> list[Verification]:
    """Verify the latest signature of every signed decision (older ones were superseded by a re-decision),
    the most recently signed first; ``limit`` stops after that many decisions."""
    qs = DecisionSignature.objects.select_related("project").order_by("-signed_at", "-pk")
    if kind:
        qs = qs.filter(kind=kind)
    seen, results = set(), []
    for signature in qs.iterator():
        if signature.object_label in seen:
            continue
        seen.add(signature.object_label)
        results.append(verify_signature(signature))
        if limit is not None and len(results) >= limit:
            break
    return results

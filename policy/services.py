"""Loading, validating and resolving stored profiles."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace
from datetime import date
from decimal import Decimal

from django.db import connections, router, transaction

from accounts.models import Jurisdiction
from audit.services import record
from config.statements import PerDatabase

from .models import PolicyProfile
from .parameters import ParameterError
from .profiles import ProfileDocument, ResolvedProfile, check_no_overlap, parse_profile, resolve


class ProfileRejected(ParameterError):
    pass


def _json_values(params: dict) -> dict:
    return {k: (str(v) if isinstance(v, Decimal) else list(v) if isinstance(v, tuple) else v) for k, v in params.items()}


def to_document(profile: PolicyProfile) -> ProfileDocument:
    doc = parse_profile({
        "key": profile.key, "name": profile.name, "jurisdiction": profile.jurisdiction.code,
        "parent_jurisdiction": profile.parent_jurisdiction.code if profile.parent_jurisdiction_id else None,
        "effective_from": profile.effective_from, "effective_to": profile.effective_to,
        "parameters": profile.parameters, "source": profile.source,
    })
    return replace(doc, version=profile.version)


def current_documents() -> list[ProfileDocument]:
    return [to_document(p) for p in PolicyProfile.objects.filter(is_current=True).select_related(
        "jurisdiction", "parent_jurisdiction")]


def _parents() -> dict[str, str | None]:
    return {code: parent for code, parent in Jurisdiction.objects.values_list("code", "parent__code")}


# Parsed current documents, per process, under the identity of the rows they were parsed from. A profile is never
# edited in place (policy.models): a change is a new row and the old one stops being current, so the current
# rows' (pk, version, created_at) and their jurisdiction codes name the content. Every resolution still asks the
# database which rows are current, so a profile saved by any process applies at once; what is saved is re-reading
# and re-validating every profile's parameters and the whole jurisdiction table on every action (issue #8).
_documents_cache: tuple[tuple, list[ProfileDocument]] | None = None


def _current_documents_cached(key: tuple) -> list[ProfileDocument]:
    global _documents_cache
    cached = _documents_cache
    if cached is not None and cached[0] == key:
        return cached[1]
    profiles = list(PolicyProfile.objects.filter(is_current=True).select_related("jurisdiction", "parent_jurisdiction"))
    documents = [to_document(p) for p in profiles]
    # Stored under the identity of the rows actually parsed (a profile saved in between gives another key).
    _documents_cache = (tuple(sorted((p.pk, p.version, p.created_at, p.jurisdiction.code,
                                      p.parent_jurisdiction.code if p.parent_jurisdiction_id else None)
                                     for p in profiles)), documents)
    return documents


class _CurrencyCheck:
    """The one statement every resolution runs: the identity of the current profile rows, each carrying the
    parents of the jurisdiction up to three levels (province → city → county). Written once per database from the
    models' tables and columns: the ORM built the same query anew on every action, most of the resolution's cost
    (issue #8). ``created_at`` goes through the ORM's converters so the identity equals the one of the parsed rows."""

    def __init__(self, connection):
        q = connection.ops.quote_name
        profile, place = PolicyProfile._meta, Jurisdiction._meta
        code, parent, pk = (q(place.get_field("code").column), q(place.get_field("parent").column),
                            q(place.pk.column))
        table = q(place.db_table)
        self.sql = (
            f"SELECT p.{q(profile.pk.column)}, p.{q(profile.get_field('version').column)}, "
            f"p.{q(profile.get_field('created_at').column)}, j.{code}, pj.{code}, a1.{code}, a2.{code}, a3.{code} "
            f"FROM {q(profile.db_table)} p "
            f"INNER JOIN {table} j ON j.{pk} = p.{q(profile.get_field('jurisdiction').column)} "
            f"LEFT JOIN {table} pj ON pj.{pk} = p.{q(profile.get_field('parent_jurisdiction').column)} "
            f"LEFT JOIN {table} place ON place.{code} = %s "
            f"LEFT JOIN {table} a1 ON a1.{pk} = place.{parent} "
            f"LEFT JOIN {table} a2 ON a2.{pk} = a1.{parent} "
            f"LEFT JOIN {table} a3 ON a3.{pk} = a2.{parent} "
            f"WHERE p.{q(profile.get_field('is_current').column)} = %s"
        )
        col = profile.get_field("created_at").get_col("p")
        self.created_at = (col, connection.ops.get_db_converters(col) + col.get_db_converters(connection))

    def rows(self, connection, jurisdiction_code: str) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(self.sql, [jurisdiction_code, True])
            rows = cursor.fetchall()
        col, converters = self.created_at
        if not converters:
            return rows
        converted = []
        for row in rows:
            created_at = row[2]
            for converter in converters:
                created_at = converter(created_at, col, connection)
            converted.append((*row[:2], created_at, *row[3:]))
        return converted


_currency_checks = PerDatabase(_CurrencyCheck)


def _resolve(jurisdiction_code: str, on: date) -> ResolvedProfile:
    """One narrow statement (``_CurrencyCheck``); the whole jurisdiction table only for a tree deeper than three."""
    using = router.db_for_read(PolicyProfile)
    connection = connections[using]
    rows = _currency_checks(using).rows(connection, jurisdiction_code)
    documents = _current_documents_cached(tuple(sorted(row[:5] for row in rows)))
    parents: dict[str, str | None] = {}
    if rows and rows[0][7] is not None:
        parents = _parents()
    elif rows:
        child = jurisdiction_code
        for parent in rows[0][5:8]:
            parents[child] = parent
            if parent is None:
                break
            child = parent
    return resolve(documents, jurisdiction_code, on, parents)


# Within ``memoised_profiles()`` each (jurisdiction, day) is resolved once: pages that resolve per project (the
# province dashboard's sanctions) would otherwise run two queries per project (issue #8, docs/scaling.md).
_resolved: ContextVar[dict | None] = ContextVar("resolved_profiles", default=None)


@contextmanager
def memoised_profiles():
    token = _resolved.set({})
    try:
        yield
    finally:
        _resolved.reset(token)


def resolve_for(jurisdiction_code: str, on: date) -> ResolvedProfile:
    """The profile in force for a jurisdiction on a day (city → province); raises NoProfileInForce."""
    memo = _resolved.get()
    if memo is None:
        return _resolve(jurisdiction_code, on)
    key = (jurisdiction_code, on)
    if key not in memo:
        memo[key] = _resolve(jurisdiction_code, on)
    return memo[key]


@transaction.atomic
def save_profile(data: dict, *, actor) -> PolicyProfile:
    """Validate and store a profile (a new key, or a new version of an existing key); audited."""
    doc = parse_profile(data)
    try:
        jurisdiction = Jurisdiction.objects.get(code=doc.jurisdiction)
    except Jurisdiction.DoesNotExist as exc:
        raise ProfileRejected(f"jurisdiction：未知的行政区划代码 {doc.jurisdiction}") from exc
    parent = None
    if doc.parent_jurisdiction:
        try:
            parent = Jurisdiction.objects.get(code=doc.parent_jurisdiction)
        except Jurisdiction.DoesNotExist as exc:
            raise ProfileRejected(f"parent_jurisdiction：未知的行政区划代码 {doc.parent_jurisdiction}") from exc
        if jurisdiction.parent_id is None:
            raise ProfileRejected("省级配置不能继承其他配置，请删除 parent_jurisdiction")
    elif jurisdiction.parent_id is not None:
        raise ProfileRejected("市（州）、县（市、区）配置须写明 parent_jurisdiction（所继承的上级地区）")
    current = list(PolicyProfile.objects.select_for_update().filter(key=doc.key, is_current=True))
    check_no_overlap(doc, current_documents())
    before = {}
    version = 1
    if current:
        old = current[0]
        before = {"version": old.version, "parameters": old.parameters}
        version = old.version + 1
        PolicyProfile.objects.filter(pk=old.pk).update(is_current=False)
    profile = PolicyProfile.objects.create(
        key=doc.key, version=version, name=doc.name, jurisdiction=jurisdiction, parent_jurisdiction=parent,
        effective_from=doc.effective_from, effective_to=doc.effective_to,
        parameters=_json_values(doc.parameters), source=doc.source, created_by=actor if getattr(actor, "pk", None) else None,
    )
    record(actor=actor, action="policy.profile_saved", obj=profile, before=before,
           after={"version": version, "parameters": profile.parameters}, profile=profile.version_label)
    return profile


SHIPPED_DIR = __import__("pathlib").Path(__file__).resolve().parent / "profiles"


def sync_shipped_profiles() -> list[PolicyProfile]:
    """Store the profiles shipped with the code (the provincial default) when they are new or changed.

    Runs after every ``migrate``: an upgrade that adds a parameter to the shipped
    profile stores it as a new version, and decisions taken before keep citing the
    version they used.
    """
    from .profiles import parse_document

    saved = []
    for path in sorted(SHIPPED_DIR.glob("*.yaml")):
        data = parse_document(path.read_text(encoding="utf-8"))
        doc = parse_profile(data)
        current = PolicyProfile.objects.filter(key=doc.key, is_current=True).first()
        if current is not None and to_document(current).parameters == doc.parameters \
                and current.effective_from == doc.effective_from and current.name == doc.name:
            continue
        saved.append(save_profile(data, actor=None))
    return saved

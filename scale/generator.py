"""A believable dataset of a chosen size, reproducibly (issue #8 §1).

Scale 1.0 is "province, ten years": 100,000 projects in every lifecycle stage, 50,000 catalogue systems,
2,000,000 document records (metadata only: the bench never opens the files), 10,000,000 audit events, and
conclusions, opinions, obligations, changes, procurements and bids in proportion.

It writes through bulk paths, never through the per-row services: PostgreSQL ``COPY`` in text format
(psycopg 3's ``cursor.copy``, lines pre-encoded here) for every sizeable table, with ids drawn from the table's
sequence where later rows need them, and ``bulk_create`` for the few small tables and on SQLite. The audit events
form a valid hash chain that continues from the current chain head, with the canonical form and MAC of
``audit.chain.event_hash`` (the function ``audit.services.record`` uses; see ``audit_events`` for the fast path
and when it falls back to that function), so ``verify_audit_chain`` passes and the next real action links on.
The largest tables are loaded with their secondary indexes and constraints dropped and rebuilt (``_bulk_load``).

Everything random comes from one ``random.Random(seed)``; the same seed and scale give the same rows
(only the audit times' base, ``now``, and hence the hashes, differ between days unless ``now`` is given).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction

from accounts.models import Jurisdiction, Organisation, OrgKind, Role, RoleAssignment, User
from audit.chain import CHAINED_FIELDS, current_algorithm, event_hash
from audit.models import AuditEvent, ChainHead
from catalogue.models import InformationSystem, Network, SystemStatus
from declarations.models import DeclarationMaterials, Document, DocumentKind
from delivery.models import ChangeRequest
from funding.models import Bid, Procurement
from obligations.models import Obligation, ObligationKind, ObligationStatus
from projects.models import DeliveryMode, NumberSequence, Project, Stage
from reviews.models import ApprovalApplication, ApprovalPath, Conclusion, OpinionRequest, ReviewConclusion

# Per 1.0 of scale.
VOLUMES = {
    "units": 2_000,
    "projects": 100_000,
    "systems": 50_000,
    "documents": 2_000_000,
    "audit_events": 10_000_000,
}
MIN = {"units": 12, "projects": 40, "systems": 20, "documents": 200, "audit_events": 400}
ORG_PREFIX = "SCALE-"
BENCH_PASSWORD = "Bench-Pass-2026!zw"

# Share of projects in each stage for ten years of use: most old projects are accepted and running.
STAGE_WEIGHTS = [
    (Stage.DRAFT, 8), (Stage.SUBMITTED, 6), (Stage.NOT_LISTED, 6), (Stage.LISTED, 5), (Stage.UNDER_APPROVAL, 6),
    (Stage.APPROVED, 4), (Stage.IN_CONSTRUCTION, 15), (Stage.SUSPENDED, 1), (Stage.TRIAL_RUN, 5),
    (Stage.ACCEPTANCE_APPLIED, 3), (Stage.ACCEPTED, 37), (Stage.ACCEPTANCE_FAILED, 1), (Stage.TERMINATED, 3),
]
APPROVED_STAGES = {Stage.APPROVED, Stage.IN_CONSTRUCTION, Stage.SUSPENDED, Stage.TRIAL_RUN, Stage.ACCEPTANCE_APPLIED,
                   Stage.ACCEPTED, Stage.ACCEPTANCE_FAILED, Stage.TERMINATED}
UNDER_APPROVAL_OR_LATER = APPROVED_STAGES | {Stage.UNDER_APPROVAL}
CONSTRUCTION_OR_LATER = APPROVED_STAGES - {Stage.APPROVED}
UNIT_ACTIONS = ["declaration.materials_updated", "declaration.document_uploaded", "funding.disbursement_added",
                "oversight.monitoring_report_submitted", "catalogue.system_linked", "delivery.contract_added"]
BODY_ACTIONS = ["review.conclusion_recorded", "opinion.answered", "evaluation.recorded", "project.viewed_export"]
WORDS = ["政务服务", "一网通办", "数据共享", "协同办公", "应急指挥", "智慧监管", "公共信用", "社会保障", "医疗保障",
         "不动产登记", "生态环境", "自然资源", "交通运输", "水利", "农业农村", "市场监管", "教育", "卫生健康", "税务", "公安"]
SUFFIXES = ["平台建设项目", "系统升级改造项目", "数据治理项目", "运维服务项目", "整合共享项目", "能力提升项目"]


@dataclass
class TableReport:
    table: str
    rows: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else float("inf")


@dataclass
class GenerationReport:
    scale: float
    seed: int
    tables: list[TableReport] = field(default_factory=list)

    @property
    def total_rows(self) -> int:
        return sum(t.rows for t in self.tables)

    @property
    def total_seconds(self) -> float:
        return sum(t.seconds for t in self.tables)

    def lines(self) -> list[str]:
        out = [f"规模 {self.scale}，种子 {self.seed}", f"{'表':<28}{'行数':>12}{'秒':>10}{'行/秒':>12}"]
        for t in self.tables:
            out.append(f"{t.table:<28}{t.rows:>12,}{t.seconds:>10.2f}{t.rate:>12,.0f}")
        out.append(f"{'合计':<28}{self.total_rows:>12,}{self.total_seconds:>10.2f}"
                   f"{self.total_rows / max(self.total_seconds, 1e-9):>12,.0f}")
        return out


def volumes(scale: float) -> dict[str, int]:
    return {k: max(MIN[k], round(v * scale)) for k, v in VOLUMES.items()}


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_SPECIAL = re.compile(r"[\\\t\n\r]")


def _esc(text: str) -> str:
    """A string in COPY's text format. Only four characters are special to COPY and almost no generated value has
    one, so a regex search (cheap) guards the translate (not cheap)."""
    return text.translate(_ESCAPES) if _SPECIAL.search(text) else text


def _copy_text(value, is_json: bool = False) -> str:
    """One value in COPY's text format."""
    if is_json:
        return _esc(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return _esc(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return _esc(str(value))


# The canonical form audit.chain.canonical produces for a generated event, as a template (its keys in sorted order,
# compact separators, no ASCII escaping). Used only while audit.chain chains exactly these fields; otherwise the
# generator falls back to event_hash per event. tests/test_scale.py verifies the generated chain either way.
_CANONICAL_FIELDS = ("seq", "at", "actor_id", "actor_name", "roles", "organisation_id", "organisation_name", "action",
                     "object_type", "object_id", "object_label", "project_id", "outcome", "before", "after",
                     "findings", "profile", "client_ip", "request_id", "algorithm")
_AUDIT_COLUMNS = _CANONICAL_FIELDS + ("prev_hash", "hash")


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class Generator:
    def __init__(self, *, scale: float, seed: int, now: datetime | None = None, batch: int = 5_000, log=None):
        if scale <= 0:
            raise ValueError("--scale 必须大于 0")
        self.scale, self.seed, self.batch = scale, seed, batch
        self.rng = random.Random(seed)
        self.now = (now or datetime.now(UTC)).replace(microsecond=0)
        self.vol = volumes(scale)
        self.report = GenerationReport(scale, seed)
        self.log = log or (lambda msg: None)
        self.pg = connection.vendor == "postgresql"

    # --- writing --------------------------------------------------------------------------------
    def _timed(self, table: str, fn):
        started = time.perf_counter()
        rows = fn()
        self.report.tables.append(TableReport(table, rows, time.perf_counter() - started))
        self.log(f"  {table}: {rows:,} 行")
        return rows

    def _bulk(self, model, objs: list) -> list:
        return model.objects.bulk_create(objs, batch_size=self.batch)

    def _reserve_ids(self, model, n: int) -> list[int]:
        """n ids from the table's own identity sequence, so rows written with COPY get the ids later rows refer to
        (and the application's next insert continues after them)."""
        table, pk = model._meta.db_table, model._meta.pk.column
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, n])
            return [r[0] for r in cursor.fetchall()]

    def _write_lines(self, model, columns: list[str], lines) -> int:
        """COPY pre-encoded text lines (already in COPY's text format, no trailing newline) in large chunks."""
        cols = ", ".join(connection.ops.quote_name(c) for c in columns)
        written = 0
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {model._meta.db_table} ({cols}) FROM STDIN") as copy:
                chunk = []
                for line in lines:
                    chunk.append(line)
                    if len(chunk) >= 10_000:
                        copy.write("\n".join(chunk) + "\n")
                        written += len(chunk)
                        chunk = []
                if chunk:
                    copy.write("\n".join(chunk) + "\n")
                    written += len(chunk)
        return written

    def _copy_models(self, model, objs: list) -> list:
        """Model instances through COPY on PostgreSQL, with ids taken from the table's sequence and set on the
        instances (as bulk_create would), ``auto_now``/``auto_now_add`` filled with the generation time.
        About 5× bulk_create: no per-row parameter binding, no RETURNING. SQLite: bulk_create."""
        if not self.pg or not objs:
            return self._bulk(model, objs)
        pk = model._meta.pk
        fields = list(model._meta.concrete_fields)
        ids = self._reserve_ids(model, len(objs))
        for obj, pk_value in zip(objs, ids, strict=True):
            setattr(obj, pk.attname, pk_value)
            obj._state.adding = False
        now = self.now
        plan = []  # (attname, kind): kind 0 plain, 1 json, 2 auto time
        for f in fields:
            if f.get_internal_type() == "JSONField":
                plan.append((f.attname, 1))
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                plan.append((f.attname, 2))
            else:
                plan.append((f.attname, 0))

        def lines():
            for obj in objs:
                d = obj.__dict__
                out = []
                for name, kind in plan:
                    value = d[name]
                    if kind == 1:
                        out.append(_copy_text(value, True))
                    elif kind == 2 and value is None:
                        out.append(now.isoformat())
                    else:
                        out.append(_copy_text(value))
                yield "\t".join(out)

        self._write_lines(model, [f.column for f in fields], lines())
        return objs

    def _copy_dicts(self, model, dicts) -> int:
        """The fast path for large tables: rows as dicts of column values (no model instances), written with COPY in
        PostgreSQL's text format. Columns the dict leaves out take the field's default, so a column added later by
        another app still gets its value. SQLite: bulk_create of the same rows."""
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        if not self.pg:
            written, chunk = 0, []
            for d in dicts:
                chunk.append(model(**d))
                if len(chunk) >= self.batch:
                    written += len(self._bulk(model, chunk))
                    chunk = []
            return written + len(self._bulk(model, chunk))
        defaults = {f.attname: f.get_default() for f in fields}
        for f in fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                defaults[f.attname] = self.now
        json_names = {f.attname for f in fields if f.get_internal_type() == "JSONField"}
        names = [f.attname for f in fields]
        return self._write_lines(model, [f.column for f in fields], (
            "\t".join([_copy_text(d.get(n, defaults[n]), n in json_names) for n in names]) for d in dicts))

    @contextmanager
    def _bulk_load(self, model):
        """Load a large table without maintaining its secondary indexes, unique and foreign-key constraints row by
        row: drop them, load, then rebuild each from its own stored definition (a sorted build is many times faster
        than random inserts into a 10-million-row btree, and one join validates a foreign key faster than ten
        million single-row checks). All inside the generation transaction, so a failure restores them; re-adding a
        unique or foreign-key constraint re-checks it over every row, so nothing goes unchecked. The primary key
        stays."""
        if not self.pg:
            yield
            return
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute("""
                SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c
                WHERE c.conrelid = %s::regclass AND c.contype IN ('u', 'f') ORDER BY c.contype DESC, c.conname""",
                           [table])
            constraints = cursor.fetchall()
            cursor.execute("""
                SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                WHERE x.indrelid = %s::regclass AND NOT x.indisprimary
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
                ORDER BY i.relname""", [table])
            indexes = cursor.fetchall()
            # ALTER TABLE refuses while deferred foreign-key checks are pending: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for name, _ in constraints:
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
            for name, _ in indexes:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        yield
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for name, definition in constraints:
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}")
            for _, definition in indexes:
                cursor.execute(definition)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    # --- the dataset ----------------------------------------------------------------------------
    def run(self) -> GenerationReport:
        if Organisation.objects.filter(code__startswith=ORG_PREFIX).exists():
            raise RuntimeError("数据库中已有规模数据（机构编码以 SCALE- 开头）：请换一个空数据库再生成")
        with transaction.atomic():
            self._timed("accounts_jurisdiction", self.jurisdictions)
            self._timed("accounts_organisation", self.units)
            self._timed("accounts_user", self.users)
            self._timed("projects_project", self.projects)
            self._timed("declarations_materials", self.materials)
            self._timed("catalogue_system", self.systems)
            self._timed("reviews_conclusion", self.conclusions)
            self._timed("reviews_opinionrequest", self.opinions)
            self._timed("reviews_approvalapplication", self.approval_applications)
            self._timed("delivery_changerequest", self.changes)
            self._timed("funding_procurement+bid", self.procurements)
            self._timed("obligations_obligation", self.obligations)
            self._timed("declarations_document", self.documents)
            self._timed("audit_auditevent", self.audit_events)
        if self.pg:
            started = time.perf_counter()
            # VACUUM also sets the visibility map, as autovacuum does some time after a bulk load in a real
            # database: without it no count or sort can be answered from an index alone, and the benchmark would
            # measure a state a deployment is only in for its first minutes. VACUUM cannot run in a transaction
            # (a test's), where ANALYZE is what can be done.
            statement = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
            with connection.cursor() as cursor:
                cursor.execute(statement)
            self.report.tables.append(TableReport(statement, 0, time.perf_counter() - started))
        return self.report

    def jurisdictions(self) -> int:
        province = Jurisdiction.objects.get(code="510000")
        self.cities = list(Jurisdiction.objects.filter(level="city").order_by("code"))
        existing = set(Jurisdiction.objects.filter(level="county").values_list("code", flat=True))
        new = []
        # 183 counties (县级行政区) spread over the 21 cities; codes follow the city's prefix.
        for i in range(183):
            city = self.cities[i % len(self.cities)]
            code = f"{city.code[:4]}{(i // len(self.cities)) + 1 + 80:02d}"
            if code not in existing:
                new.append(Jurisdiction(code=code, name=f"{city.name}第{i // len(self.cities) + 1}县", level="county",
                                        parent=city))
        self._bulk(Jurisdiction, new)
        self.counties = list(Jurisdiction.objects.filter(level="county").order_by("code"))
        self.province = province
        return len(new)

    def units(self) -> int:
        n = self.vol["units"]
        orgs = []
        for i in range(n):
            r = i % 10
            if r < 4:
                jur, kind, where = self.province, OrgKind.PROJECT_UNIT, "省"
            elif r < 7:
                jur, kind, where = self.cities[i % len(self.cities)], OrgKind.CITY_PROJECT_UNIT, ""
            else:
                jur, kind, where = self.counties[i % len(self.counties)], OrgKind.COUNTY_PROJECT_UNIT, ""
            name = f"{where or jur.name}{self.rng.choice(WORDS)}局{i + 1:05d}"
            orgs.append(Organisation(code=f"{ORG_PREFIX}{i + 1:05d}", name=name, short_name=name[:30], kind=kind,
                                     jurisdiction=jur))
        self.unit_objs = self._bulk(Organisation, orgs)
        return len(orgs)

    def users(self) -> int:
        # One hash for every generated account: PBKDF2 per row would dominate the run and is not what is measured.
        password = make_password(BENCH_PASSWORD)
        users = [User(username=f"scale-filer-{i + 1:05d}", password=password, organisation=u, full_name=f"填报人{i + 1}")
                 for i, u in enumerate(self.unit_objs)]
        self.bodies = {o.kind: o for o in Organisation.objects.filter(code__startswith="SC-")}
        body_users = [User(username=f"scale-{kind}", password=password, organisation=o, full_name=f"{o.short_name}审核人")
                      for kind, o in sorted(self.bodies.items())]
        auditor = User(username="scale-auditor", password=password, organisation=self.bodies[OrgKind.AUDIT_OFFICE],
                       full_name="审计查阅人")
        created = self._bulk(User, users + body_users + [auditor])
        self.filers = created[:len(users)]
        self.reviewers = {u.organisation.kind: u for u in created[len(users):-1]}
        roles = [RoleAssignment(user=u, role=Role.FILER) for u in self.filers]
        roles += [RoleAssignment(user=u, role=Role.REVIEWER) for u in self.reviewers.values()]
        roles.append(RoleAssignment(user=created[-1], role=Role.AUDITOR))
        self._bulk(RoleAssignment, roles)
        return len(created) + len(roles)

    def projects(self) -> int:
        n = self.vol["projects"]
        stages = [s for s, _ in STAGE_WEIGHTS]
        weights = [w for _, w in STAGE_WEIGHTS]
        first_year = self.now.year - 9
        per_year_count: dict[int, int] = {}
        objs = []
        self.unit_filer = {f.organisation_id: f for f in self.filers}
        for _ in range(n):
            stage = self.rng.choices(stages, weights)[0]
            # Older projects are further along; drafts and submissions are recent.
            if stage in (Stage.DRAFT, Stage.SUBMITTED, Stage.LISTED, Stage.UNDER_APPROVAL):
                year = self.now.year - self.rng.randint(0, 1)
            else:
                year = self.rng.randint(first_year, self.now.year)
            per_year_count[year] = per_year_count.get(year, 0) + 1
            unit = self.unit_objs[self.rng.randrange(len(self.unit_objs))]
            total = Decimal(self.rng.choice([50, 120, 300, 800, 1500, 1990, 2000, 2600, 5000, 12000])) * 10_000
            total += Decimal(self.rng.randrange(0, 100)) * 1000
            approved = stage in APPROVED_STAGES
            objs.append(Project(
                number=f"ZW{year}-{per_year_count[year]:05d}", name=f"{self.rng.choice(WORDS)}{self.rng.choice(SUFFIXES)}",
                unit=unit, year=year, delivery_mode=self.rng.choice([DeliveryMode.SELF_BUILT] * 4 + [
                    DeliveryMode.PURCHASED_SERVICE]), total_investment=total, stage=stage,
                approved_total_investment=(total * Decimal("0.95")).quantize(Decimal("0.01")) if approved else None,
                approval_date=date(year, self.rng.randint(3, 11), self.rng.randint(1, 28)) if approved else None,
                created_by=self.unit_filer[unit.pk]))
        self.project_objs = self._copy_models(Project, objs)
        # Continue the real numbering after the generated projects (projects.services.next_number).
        seqs = [NumberSequence(name=f"project-{y}", value=c) for y, c in per_year_count.items()]
        NumberSequence.objects.filter(name__in=[s.name for s in seqs]).delete()
        self._bulk(NumberSequence, seqs)
        return len(objs)

    def materials(self) -> int:
        # Rows as dicts of column values (no model instances: Model.__init__ was most of these tables' time).
        return self._copy_dicts(DeclarationMaterials, (
            {"project_id": p.pk, "main_tasks": f"{p.name}的主要任务", "proposed_functions": "统一身份认证、数据交换",
             "version": 1, "updated_by_id": p.created_by_id} for p in self.project_objs))

    def systems(self) -> int:
        n = self.vol["systems"]
        objs = []
        for i in range(n):
            unit = self.unit_objs[i % len(self.unit_objs)]
            classified = self.rng.random() < 0.05
            status = self.rng.choice([SystemStatus.RUNNING] * 6 + [SystemStatus.PLANNED, SystemStatus.RETIRED])
            objs.append(dict(
                unit_id=unit.pk, code=f"SYS-{i + 1:06d}", name=f"{self.rng.choice(WORDS)}系统{i + 1:06d}",
                purpose="支撑本单位政务业务办理", status=status, network=self.rng.choice(
                    [Network.EGOV_EXTRANET, Network.EGOV_INTRANET] if classified else list(Network.values)),
                is_classified=classified, mlps_level=None if classified else self.rng.choice([1, 2, 2, 3, 3, 4]),
                on_government_cloud=self.rng.random() < 0.7,
                retired_at=self.now if status == SystemStatus.RETIRED else None))
        return self._copy_dicts(InformationSystem, objs)

    def conclusions(self) -> int:
        objs = []
        bodies = self._profile_bodies("centralized_review.bodies")
        for p in self.project_objs:
            if p.stage == Stage.DRAFT:
                continue
            for kind in bodies:
                objs.append({"project_id": p.pk, "body_id": self.bodies[kind].pk, "by_id": self.reviewers[kind].pk,
                             "conclusion": self.rng.choice([Conclusion.AGREE] * 8 + [Conclusion.AGREE_WITH_CONDITIONS]),
                             "text": "原则同意", "at": self._time_of(p)})
        return self._copy_dicts(ReviewConclusion, objs)

    def _profile_bodies(self, parameter: str) -> list[str]:
        """The bodies of 集中审查 (第十七条) or of 审批前征求意见 (第二十二条) as the provincial profile lists them
        on the generator's date, not a copy of its list: generated conclusions and opinions then satisfy the rules
        that read the same parameter."""
        from policy.services import resolve_for

        return list(resolve_for("510000", self.now.date()).value(parameter))

    def _time_of(self, project) -> datetime:
        return datetime(project.year, 1, 15, 2, tzinfo=UTC) + timedelta(days=self.rng.randint(0, 300))

    def opinions(self) -> int:
        objs = []
        drc = self.reviewers[OrgKind.DRC]
        bodies = self._profile_bodies("opinion.bodies")
        for p in self.project_objs:
            if p.stage not in UNDER_APPROVAL_OR_LATER:
                continue
            asked = self._time_of(p)
            for kind in bodies:
                answered = p.stage != Stage.UNDER_APPROVAL or self.rng.random() < 0.5
                objs.append({
                    "project_id": p.pk, "body_id": self.bodies[kind].pk, "requested_at": asked,
                    "due_date": (asked + timedelta(days=7)).date(), "requested_by_id": drc.pk, "remit": "审核意见",
                    "answer": Conclusion.AGREE.value if answered else "", "text": "同意" if answered else "",
                    "answered_by_id": self.reviewers[kind].pk if answered else None,
                    "answered_at": asked + timedelta(days=self.rng.randint(1, 9)) if answered else None})
        return self._copy_dicts(OpinionRequest, objs)

    def approval_applications(self) -> int:
        """One approval application (第十八条、第十九条) for every project at or past the approval stage: a purchased
        service goes by its service needs plan (第十九条), a large self-built project in two stages (feasibility
        study, then the preliminary design with its budget estimate, 第十八条第一款, 第二十五条), one of at most the profile's
        merged-plan limit (2000万 in the provincial profile) by a merged implementation plan (第十八条第二款（三）). Approved projects carry their feasibility approval."""
        objs = []
        # The merged plan's limit (第十八条第二款第三项) as the provincial profile sets it, not a copy of its figure.
        from policy.services import resolve_for

        two_stage_from = resolve_for("510000", self.now.date()).value("merged_plan.max_total_investment")
        for p in self.project_objs:
            if p.stage not in UNDER_APPROVAL_OR_LATER:
                continue
            submitted = self._time_of(p)
            fields = {"project_id": p.pk, "total_investment": p.total_investment, "has_integration_sharing_chapter": True,
                      "summary": f"{p.name}：建设内容、数据共享和安全保障", "submitted_at": submitted,
                      "is_cross_department": self.rng.random() < 0.1, "updated_at": submitted}
            if p.delivery_mode == DeliveryMode.PURCHASED_SERVICE:
                years = self.rng.choice([3, 3, 5])
                fee = (p.total_investment / years).quantize(Decimal("0.01"))
                fields.update(path=ApprovalPath.PURCHASED_SERVICE, necessity_analysis="业务需求持续增长，需购买服务",
                              technical_analysis="采用政务云服务", economic_analysis="购买服务较自建节省约15%",
                              sharing_analysis="数据按目录共享", security_requirements="等级保护三级",
                              build_vs_buy_comparison="自建与购买服务五年成本比较", funding_needs="逐年列入部门预算",
                              procurement_plan="公开招标", main_objectives="提升业务办理效率", service_requirements="7×24小时服务",
                              potential_providers=self.rng.randint(3, 12), meets_security_secrecy_requirements=True,
                              service_life_years=years, annual_service_fees=[str(fee)] * years,
                              construction_cost=(p.total_investment * Decimal("1.15")).quantize(Decimal("0.01")),
                              annual_om_costs=[str((fee * Decimal("0.1")).quantize(Decimal("0.01")))] * years)
            elif p.total_investment > two_stage_from:
                fields.update(path=ApprovalPath.TWO_STAGE, design_has_integration_sharing_chapter=True)
                if p.approval_date is not None:
                    fields.update(feasibility_approved_investment=p.approved_total_investment,
                                  feasibility_approval_date=p.approval_date - timedelta(days=self.rng.randint(30, 90)),
                                  feasibility_approval_number=f"川发改审批〔{p.year}〕{self.rng.randint(1, 999)}号",
                                  design_budget_estimate=p.approved_total_investment,
                                  design_submitted_at=submitted + timedelta(days=30))
            else:
                fields.update(path=ApprovalPath.MERGED, depth_requirements_met=True)
            objs.append(fields)
        return self._copy_dicts(ApprovalApplication, objs)

    def changes(self) -> int:
        objs = []
        kind_minor = ChangeRequest._meta.get_field("kind").choices[0][0]
        status_filed = "filed"
        for p in self.project_objs:
            if p.stage not in CONSTRUCTION_OR_LATER or self.rng.random() > 0.1:
                continue
            moved = (p.approved_total_investment * Decimal("0.05")).quantize(Decimal("0.01"))
            objs.append(ChangeRequest(
                project=p, reasons=["technical_route"], content="调整部分建设内容", amount_moved=moved,
                approved_total_before=p.approved_total_investment, total_investment_after=p.approved_total_investment,
                goals_unchanged=True, kind=kind_minor, status=status_filed, this_change_percent=Decimal("5.00"),
                cumulative_percent=Decimal("5.00"), findings=[], profile="sichuan-province-2021@v1",
                filed_by=p.created_by, filed_at=self._time_of(p)))
        return len(self._copy_models(ChangeRequest, objs))

    def procurements(self) -> int:
        method = Procurement._meta.get_field("method").choices[0][0]
        category = Procurement._meta.get_field("category").choices[0][0]
        procs = []
        for p in self.project_objs:
            if p.stage not in CONSTRUCTION_OR_LATER:
                continue
            procs.append(Procurement(project=p, title=f"{p.name}采购", budget=p.approved_total_investment,
                                     method=method, category=category, created_by=p.created_by))
        procs = self._copy_models(Procurement, procs)
        bids = []
        for proc in procs:
            for b in range(3):
                price = (proc.budget * Decimal(str(0.85 + 0.04 * b))).quantize(Decimal("0.01"))
                bids.append({"procurement_id": proc.pk, "bidder": f"投标人{b + 1}有限公司",
                             "price": max(price, Decimal("1.00")), "created_by_id": proc.created_by_id})
        self._copy_dicts(Bid, bids)
        return len(procs) + len(bids)

    def obligations(self) -> int:
        objs = []
        today = self.now.date()
        for p in self.project_objs:
            if p.stage in CONSTRUCTION_OR_LATER:
                kind, article = ObligationKind.MONITORING_REPORT, 38
            elif p.stage == Stage.UNDER_APPROVAL:
                kind, article = ObligationKind.OPINION, 22
            else:
                continue
            opens = today - timedelta(days=self.rng.randint(0, 60))
            due = opens + timedelta(days=self.rng.randint(5, 90))
            status = ObligationStatus.OPEN if due >= today else self.rng.choice(
                [ObligationStatus.OVERDUE, ObligationStatus.DONE])
            objs.append(dict(
                organisation_id=p.unit_id, user_id=p.created_by_id, project_id=p.pk, kind=kind, title=f"{p.number} 待办事项",
                article=article, opens_on=opens, due_on=due, remind_on=due - timedelta(days=3) if due - timedelta(
                    days=3) >= opens else None, status=status,
                done_on=due if status == ObligationStatus.DONE else None, source_key=f"scale:{kind}:{p.pk}",
                url_name="projects:detail", url_args=[p.pk]))
        return self._copy_dicts(Obligation, objs)

    def documents(self) -> int:
        n = self.vol["documents"]
        kinds = list(DocumentKind.values)
        projects = self.project_objs
        per = max(1, n // len(projects))

        def rows():
            made = 0
            for p in projects:
                for j in range(per):
                    if made >= n:
                        return
                    kind = kinds[j % len(kinds)]
                    made += 1
                    yield {"project_id": p.pk, "kind": kind, "version": j // len(kinds) + 1,
                           "original_name": f"{p.number}-{kind}.pdf", "stored_name": f"scale-{p.pk}-{j}",
                           "sha256": "0" * 64, "size": self.rng.randint(20_000, 5_000_000),
                           "content_type": "application/pdf", "uploaded_by_id": p.created_by_id,
                           "uploaded_at": self.now}

        with self._bulk_load(Document):
            return self._copy_dicts(Document, rows())

    def audit_events(self) -> int:
        n = self.vol["audit_events"]
        head = ChainHead.objects.select_for_update().get_or_create(id=1)[0]
        projects = self.project_objs
        per = max(1, n // len(projects))
        span = self.now - datetime(self.now.year - 9, 1, 1, tzinfo=UTC)
        # The generated history spans the ten years up to now (events written at migrate time keep their own
        # times: the chain's order is ``seq``, not ``at``).
        start = self.now - span
        step = span / max(n, 1)
        unit_of = {u.pk: u for u in self.unit_objs}
        reviewers = list(self.reviewers.values())
        algorithm = current_algorithm()  # the same MAC algorithm audit.services.record would chain with now
        rng = self.rng
        # The template below is audit.chain.canonical's output for these fields only; any other chained form, or
        # another MAC, goes through event_hash itself (slower, same result).
        fast = CHAINED_FIELDS == _CANONICAL_FIELDS and algorithm == "hmac-sha256"
        key = settings.AUDIT_HMAC_KEY.encode()
        digest, sha256 = hmac.digest, hashlib.sha256
        fields = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
        extra = [f for f in fields if f.attname not in _AUDIT_COLUMNS]  # a column added later: its default
        extra_text = "".join("\t" + _copy_text(f.get_default(), f.get_internal_type() == "JSONField") for f in extra)
        column_of = {f.attname: f.column for f in fields}
        columns = [column_of[name] for name in _AUDIT_COLUMNS]
        columns += [f.column for f in extra]
        # Pre-encoded pieces (JSON for the canonical form, COPY text for the row) of everything that repeats.
        who = {}
        for actor in list(self.filers) + reviewers:
            org = unit_of[actor.organisation_id] if actor.organisation_id in unit_of else actor.organisation
            roles = Role.REVIEWER.value if actor in reviewers else Role.FILER.value
            who[actor.pk] = (f'"actor_id":{actor.pk},"actor_name":{_dumps(actor.username)}',
                             f'"organisation_id":{org.pk},"organisation_name":{_dumps(org.name)}',
                             f'"roles":{_dumps(roles)}',
                             f"{actor.pk}\t{_esc(actor.username)}\t{_esc(roles)}\t{org.pk}\t{_esc(org.name)}",
                             actor, roles, org)
        state = {"seq": head.seq, "hash": head.hash}

        def rows():
            seq, prev, made = state["seq"], state["hash"], 0
            for p in projects:
                filer = self.unit_filer[p.unit_id]
                pid = p.pk
                label = f"{p.number} {p.name}"[:200]
                stage, label_json, label_text = str(p.stage), _dumps(label), _esc(label)
                stage_json = _dumps(stage)
                for j in range(per):
                    if made >= n:
                        state["seq"], state["hash"] = seq, prev
                        return
                    if j == 0:
                        actor, action = filer, "project.created"
                    elif rng.random() < 0.6:
                        actor, action = filer, rng.choice(UNIT_ACTIONS)
                    else:
                        actor, action = rng.choice(reviewers), rng.choice(BODY_ACTIONS)
                    at = (start + step * made).replace(microsecond=(made * 7919) % 1_000_000)
                    at_text = at.isoformat(timespec="microseconds")
                    made += 1
                    seq += 1
                    actor_json, org_json, roles_json, who_text, _, roles, org = who[actor.pk]
                    after = f'{{"stage":{stage_json},"step":{j}}}'
                    if fast:
                        # audit.chain.canonical's exact bytes (sorted keys, compact, no ASCII escaping) from the
                        # pieces above: one json.dumps of a 20-key dict per event was most of the generator's time.
                        data = (f'{{"action":"{action}",{actor_json},"after":{after},"algorithm":"{algorithm}",'
                                f'"at":"{at_text}","before":{{}},"client_ip":"127.0.0.1","findings":[],'
                                f'"object_id":"{pid}","object_label":{label_json},"object_type":"projects.project",'
                                f'{org_json},"outcome":"success","profile":"","project_id":{pid},"request_id":"",'
                                f'{roles_json},"seq":{seq}}}')
                        hash_ = digest(key, prev.encode() + b"\n" + data.encode(), sha256).hex()
                    else:
                        hash_ = event_hash(prev, SimpleNamespace(
                            seq=seq, at=at, actor_id=actor.pk, actor_name=actor.username, roles=roles,
                            organisation_id=org.pk, organisation_name=org.name, action=action,
                            object_type="projects.project", object_id=str(pid), object_label=label, project_id=pid,
                            outcome="success", before={}, after={"stage": stage, "step": j}, findings=[], profile="",
                            client_ip="127.0.0.1", request_id="", algorithm=algorithm))
                    yield seq, at, at_text, actor, who_text, roles, org, action, pid, label, label_text, stage, j, after, \
                        prev, hash_
                    prev = hash_
            state["seq"], state["hash"] = seq, prev

        if self.pg:
            # Columns in _AUDIT_COLUMNS order, then any others at their defaults.
            lines = (f"{seq}\t{at_text}\t{who_text}\t{action}\tprojects.project\t{pid}\t{label_text}\t{pid}\tsuccess\t"
                     f"{{}}\t{_esc(after)}\t[]\t\t127.0.0.1\t\t{algorithm}\t{prev}\t{hash_}{extra_text}"
                     for seq, _, at_text, _, who_text, _, _, action, pid, _, label_text, _, _, after, prev, hash_
                     in rows())
            with self._bulk_load(AuditEvent):
                written = self._write_lines(AuditEvent, columns, lines)
        else:
            written = self._copy_dicts(AuditEvent, (
                {"seq": seq, "at": at, "actor_id": actor.pk, "actor_name": actor.username, "roles": roles,
                 "organisation_id": org.pk, "organisation_name": org.name, "action": action,
                 "object_type": "projects.project", "object_id": str(pid), "object_label": label, "project_id": pid,
                 "outcome": "success", "before": {}, "after": {"stage": stage, "step": j}, "findings": [],
                 "profile": "", "client_ip": "127.0.0.1", "request_id": "", "algorithm": algorithm,
                 "prev_hash": prev, "hash": hash_}
                for seq, at, _, actor, _, roles, org, action, pid, label, _, stage, j, _, prev, hash_ in rows()))
        ChainHead.objects.filter(id=1).update(seq=state["seq"], hash=state["hash"])
        return written

"""A believable dataset of a chosen size, reproducibly (issue #8 §1).

Scale 1.0 is "province, ten years": 100,000 projects in every lifecycle stage, 50,000 catalogue systems,
2,000,000 document records (metadata only: the bench never opens the files), 10,000,000 audit events, and
conclusions, opinions, obligations, changes, procurements and bids in proportion.

It writes through bulk paths, never through the per-row services: ``bulk_create`` for tables whose ids
other rows need, and PostgreSQL ``COPY`` (psycopg 3's ``cursor.copy``) for the two largest tables (audit
events, documents), falling back to ``bulk_create`` on SQLite. The audit events form a valid hash chain:
each event's hash is computed in order with ``audit.chain.event_hash`` (the same function
``audit.services.record`` uses) and continues from the current chain head, so ``verify_audit_chain`` passes
and the next real action links on.

Everything random comes from one ``random.Random(seed)``; the same seed and scale give the same rows
(only the audit times' base, ``now``, and hence the hashes, differ between days unless ``now`` is given).
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.contrib.auth.hashers import make_password
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction

from accounts.models import Jurisdiction, Organisation, OrgKind, Role, RoleAssignment, User
from audit.chain import current_algorithm, event_hash
from audit.models import AuditEvent, ChainHead
from catalogue.models import InformationSystem, Network, SystemStatus
from declarations.models import DeclarationMaterials, Document, DocumentKind
from delivery.models import ChangeRequest
from funding.models import Bid, Procurement
from obligations.models import Obligation, ObligationKind, ObligationStatus
from projects.models import DeliveryMode, NumberSequence, Project, Stage
from reviews.models import Conclusion, OpinionRequest, ReviewConclusion

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
REVIEW_BODIES = ["leading_group_office", "drc", "finance", "big_data_center"]  # 第十七条 (shipped profile)
OPINION_BODIES = ["cyberspace_office", "secrecy_bureau", "cryptography_bureau", "economy_it_department",
                  "public_security", "finance", "big_data_center"]  # 第二十二条 (shipped profile)
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


def _copy_text(value, is_json: bool = False) -> str:
    """One value in COPY's text format."""
    if is_json:
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_ESCAPES)
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value).translate(_ESCAPES)


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

    def _copy(self, model, rows_iter) -> int:
        """Write model instances with COPY on PostgreSQL (the fastest bulk path), bulk_create elsewhere."""
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        written = 0
        if not self.pg:
            chunk = []
            for obj in rows_iter:
                chunk.append(obj)
                if len(chunk) >= self.batch:
                    written += len(self._bulk(model, chunk))
                    chunk = []
            if chunk:
                written += len(self._bulk(model, chunk))
            return written
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        json_fields = {f.attname for f in fields if f.get_internal_type() == "JSONField"}
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg 3 cursor under Django's wrapper
            with raw.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy:
                for obj in rows_iter:
                    values = []
                    for f in fields:
                        if f.attname in json_fields:
                            values.append(json.dumps(getattr(obj, f.attname), cls=DjangoJSONEncoder,
                                                     ensure_ascii=False))
                        else:
                            values.append(f.get_db_prep_save(f.pre_save(obj, True), connection))
                    copy.write_row(values)
                    written += 1
        return written

    def _copy_dicts(self, model, dicts) -> int:
        """The fast path for the largest tables: rows as dicts of column values (no model instances), written
        with COPY in PostgreSQL's text format. Columns the dict leaves out take the field's default, so a column
        added later by another app still gets its value. SQLite: bulk_create of the same rows."""
        if not self.pg:
            return self._copy(model, (model(**d) for d in dicts))
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        defaults = {f.attname: f.get_default() for f in fields}
        json_names = {f.attname for f in fields if f.get_internal_type() == "JSONField"}
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        names = [f.attname for f in fields]
        written = 0
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy:
                lines = []
                for d in dicts:
                    lines.append("\t".join(_copy_text(d.get(n, defaults[n]), n in json_names) for n in names))
                    written += 1
                    if len(lines) >= 2000:
                        copy.write("\n".join(lines) + "\n")
                        lines = []
                if lines:
                    copy.write("\n".join(lines) + "\n")
        return written

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
            self._timed("delivery_changerequest", self.changes)
            self._timed("funding_procurement+bid", self.procurements)
            self._timed("obligations_obligation", self.obligations)
            self._timed("declarations_document", self.documents)
            self._timed("audit_auditevent", self.audit_events)
        if self.pg:
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            self.report.tables.append(TableReport("ANALYZE", 0, time.perf_counter() - started))
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
        self.project_objs = self._bulk(Project, objs)
        # Continue the real numbering after the generated projects (projects.services.next_number).
        seqs = [NumberSequence(name=f"project-{y}", value=c) for y, c in per_year_count.items()]
        NumberSequence.objects.filter(name__in=[s.name for s in seqs]).delete()
        self._bulk(NumberSequence, seqs)
        return len(objs)

    def materials(self) -> int:
        objs = [DeclarationMaterials(project=p, main_tasks=f"{p.name}的主要任务", proposed_functions="统一身份认证、数据交换",
                                     version=1, updated_by=p.created_by) for p in self.project_objs]
        return len(self._bulk(DeclarationMaterials, objs))

    def systems(self) -> int:
        n = self.vol["systems"]
        objs = []
        for i in range(n):
            unit = self.unit_objs[i % len(self.unit_objs)]
            classified = self.rng.random() < 0.05
            status = self.rng.choice([SystemStatus.RUNNING] * 6 + [SystemStatus.PLANNED, SystemStatus.RETIRED])
            objs.append(InformationSystem(
                unit=unit, code=f"SYS-{i + 1:06d}", name=f"{self.rng.choice(WORDS)}系统{i + 1:06d}",
                purpose="支撑本单位政务业务办理", status=status, network=self.rng.choice(
                    [Network.EGOV_EXTRANET, Network.EGOV_INTRANET] if classified else list(Network.values)),
                is_classified=classified, mlps_level=None if classified else self.rng.choice([1, 2, 2, 3, 3, 4]),
                on_government_cloud=self.rng.random() < 0.7,
                retired_at=self.now if status == SystemStatus.RETIRED else None))
        return len(self._bulk(InformationSystem, objs))

    def conclusions(self) -> int:
        objs = []
        for p in self.project_objs:
            if p.stage == Stage.DRAFT:
                continue
            for kind in REVIEW_BODIES:
                objs.append(ReviewConclusion(project=p, body=self.bodies[kind], by=self.reviewers[kind],
                                             conclusion=self.rng.choice([Conclusion.AGREE] * 8 + [
                                                 Conclusion.AGREE_WITH_CONDITIONS]),
                                             text="原则同意", at=self._time_of(p)))
        return len(self._bulk(ReviewConclusion, objs))

    def _time_of(self, project) -> datetime:
        return datetime(project.year, 1, 15, 2, tzinfo=UTC) + timedelta(days=self.rng.randint(0, 300))

    def opinions(self) -> int:
        objs = []
        drc = self.reviewers[OrgKind.DRC]
        for p in self.project_objs:
            if p.stage not in UNDER_APPROVAL_OR_LATER:
                continue
            asked = self._time_of(p)
            for kind in OPINION_BODIES:
                answered = p.stage != Stage.UNDER_APPROVAL or self.rng.random() < 0.5
                objs.append(OpinionRequest(
                    project=p, body=self.bodies[kind], requested_at=asked, due_date=(asked + timedelta(days=7)).date(),
                    requested_by=drc, remit="审核意见", answer=Conclusion.AGREE if answered else "",
                    text="同意" if answered else "", answered_by=self.reviewers[kind] if answered else None,
                    answered_at=asked + timedelta(days=self.rng.randint(1, 9)) if answered else None))
        return len(self._bulk(OpinionRequest, objs))

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
        return len(self._bulk(ChangeRequest, objs))

    def procurements(self) -> int:
        method = Procurement._meta.get_field("method").choices[0][0]
        category = Procurement._meta.get_field("category").choices[0][0]
        procs = []
        for p in self.project_objs:
            if p.stage not in CONSTRUCTION_OR_LATER:
                continue
            procs.append(Procurement(project=p, title=f"{p.name}采购", budget=p.approved_total_investment,
                                     method=method, category=category, created_by=p.created_by))
        procs = self._bulk(Procurement, procs)
        bids = []
        for proc in procs:
            for b in range(3):
                price = (proc.budget * Decimal(str(0.85 + 0.04 * b))).quantize(Decimal("0.01"))
                bids.append(Bid(procurement=proc, bidder=f"投标人{b + 1}有限公司", price=max(price, Decimal("1.00")),
                                created_by=proc.created_by))
        self._bulk(Bid, bids)
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
            objs.append(Obligation(
                organisation_id=p.unit_id, user=p.created_by, project=p, kind=kind, title=f"{p.number} 待办事项",
                article=article, opens_on=opens, due_on=due, remind_on=due - timedelta(days=3) if due - timedelta(
                    days=3) >= opens else None, status=status,
                done_on=due if status == ObligationStatus.DONE else None, source_key=f"scale:{kind}:{p.pk}",
                url_name="projects:detail", url_args=[p.pk]))
        return len(self._bulk(Obligation, objs))

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
        step = (self.now - start) / max(n, 1)
        unit_of = {u.pk: u for u in self.unit_objs}
        reviewers = list(self.reviewers.values())
        state = {"seq": head.seq, "hash": head.hash}
        algorithm = current_algorithm()  # the same MAC algorithm audit.services.record would chain with now

        def rows():
            made = 0
            for p in projects:
                unit = unit_of[p.unit_id]
                filer = self.unit_filer[p.unit_id]
                for j in range(per):
                    if made >= n:
                        return
                    if j == 0:
                        actor, action = filer, "project.created"
                    elif self.rng.random() < 0.6:
                        actor, action = filer, self.rng.choice(UNIT_ACTIONS)
                    else:
                        actor, action = self.rng.choice(reviewers), self.rng.choice(BODY_ACTIONS)
                    org = unit if actor is filer else actor.organisation
                    at = (start + step * made).replace(microsecond=(made * 7919) % 1_000_000)
                    made += 1
                    event = {
                        "seq": state["seq"] + 1, "at": at, "actor_id": actor.pk, "actor_name": actor.username,
                        "roles": Role.FILER.value if actor is filer else Role.REVIEWER.value, "organisation_id": org.pk,
                        "organisation_name": org.name, "action": action, "object_type": "projects.project",
                        "object_id": str(p.pk), "object_label": f"{p.number} {p.name}"[:200], "project_id": p.pk,
                        "outcome": "success", "before": {}, "after": {"stage": str(p.stage), "step": j},
                        "findings": [], "profile": "", "client_ip": "127.0.0.1", "request_id": "",
                        "prev_hash": state["hash"], "algorithm": algorithm}
                    # The same canonical form and MAC as audit.services.record (audit.chain.event_hash).
                    event["hash"] = event_hash(state["hash"], SimpleNamespace(**event))
                    state["seq"], state["hash"] = event["seq"], event["hash"]
                    yield event

        written = self._copy_dicts(AuditEvent, rows())
        ChainHead.objects.filter(id=1).update(seq=state["seq"], hash=state["hash"])
        return written

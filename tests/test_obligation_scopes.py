"""The refresh after an action recomputes only the derivations the action can change (obligations/receivers.py
``ACTION_DERIVATIONS``, issue #8): checked here against the full recompute for every listed action.

Every action runs through the services in its own committed transaction (as in production: the refresh runs in
``on_commit``), over the demo province (every stage, opinions answered and pending, both approval paths,
construction, acceptance, funding and oversight facts) and a few more cases (waived duties, dissent, the provincial
government's mark, oversight facts standing while a project is approved). After each commit the project's stored
obligations must be exactly what a full recompute of the project gives — so a narrowed refresh that missed a
derivation, or touched another one's rows, fails here."""

import re
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import OrgKind
from audit.models import AuditEvent
from obligations import derivation, receivers
from obligations.models import Obligation, ObligationKind, ObligationStatus
from obligations.services import _context, recompute_narrowed, recompute_obligations, waive_obligation
from projects.models import Project, Stage
from reviews import services
from reviews.models import OpinionRequest
from tests import factories
from tests.concurrency.conftest import _committed_db, _reference_data_survives_flush  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
COMPARED = [f.attname for f in Obligation._meta.concrete_fields if f.name not in ("id", "created_at", "updated_at")]


def rows_of(project_id: int) -> dict[str, dict]:
    return {row["source_key"]: row for row in Obligation.objects.filter(project_id=project_id).values(*COMPARED)}


class FullRecomputeCheck:
    """After each commit (once the real refresh has run in ``on_commit``): the obligations of every project an
    event of that transaction named are compared with a full recompute of the project, which then stands."""

    def __init__(self):
        self.pending: dict[int, list[str]] = {}
        self.checked: Counter = Counter()
        self.refreshed: Counter = Counter()  # actions after which the stored rows had changed (the refresh mattered)
        self.last: dict[int, dict] = {}
        self.mismatches: list[tuple] = []
        self.portfolio_changed = False
        self.busy = False

    def event_recorded(self, sender, instance, created, **kwargs):
        if not created:
            return
        if instance.project_id is None:
            # A round, a profile, a catalogue entry: not a project's action. Whatever it changed is put right
            # before the next check (as the daily job does), so every check starts from up-to-date obligations.
            self.portfolio_changed = True
        elif instance.outcome == "success":
            self.pending.setdefault(instance.project_id, []).append(instance.action)

    def after_commit(self):
        if self.busy:
            return
        self.busy = True
        try:
            if self.portfolio_changed:
                with transaction.atomic():
                    recompute_obligations()
                self.portfolio_changed = False
            pending, self.pending = self.pending, {}
            for project_id, actions in pending.items():
                project = Project.objects.filter(pk=project_id).first()
                if project is None:
                    continue
                stored = rows_of(project_id)
                with transaction.atomic():
                    recompute_obligations(project=project)
                full = rows_of(project_id)
                self.checked.update(actions)
                if stored != self.last.get(project_id, {}):
                    self.refreshed.update(actions)
                self.last[project_id] = full
                if stored != full:
                    changed = sorted(k for k in stored.keys() | full.keys() if stored.get(k) != full.get(k))
                    self.mismatches.append((project.number, project.stage, actions, changed))
        finally:
            self.busy = False


@pytest.fixture
def checked(monkeypatch):
    check = FullRecomputeCheck()
    wrapper = transaction.get_connection()  # the DatabaseWrapper itself: Atomic.__exit__ calls its method
    original = type(wrapper).run_and_clear_commit_hooks

    def run_and_check():
        original(wrapper)
        check.after_commit()

    monkeypatch.setattr(wrapper, "run_and_clear_commit_hooks", run_and_check, raising=False)
    post_save.connect(check.event_recorded, sender=AuditEvent, dispatch_uid="tests-obligation-scopes")
    yield check
    post_save.disconnect(sender=AuditEvent, dispatch_uid="tests-obligation-scopes")


def build_demo_province():
    """What ``seed_demo`` builds, but each action in its own committed transaction (seed_demo and each app's builder
    wrap it all in one)."""
    from accounts.demo import app_demo_builders, build_organisations_and_users

    build_organisations_and_users()
    for app, module in app_demo_builders():
        # Each app's builder is one transaction (``@transaction.atomic``): run it without, so that each service
        # it calls commits on its own and is checked on its own — but the catalogue's, which reserves system codes
        # (a row lock) outside its services and records catalogue links, checked together at its end.
        build = module.build if app == "catalogue" else getattr(module.build, "__wrapped__", module.build)
        build()


YEAR = 2031  # a year of its own: the demo fixes the annual lists of the years it uses


def scope_filer():
    from accounts.models import Role

    return factories.user("scope-filer", factories.org("SCOPE-U", "范围测试单位"), Role.FILER)


def more_cases():
    """Cases the demo has few of: a waived opinion duty answered later, dissent, the provincial government's mark,
    the two-stage path, and oversight facts (a sharing violation, a standing hidden danger, a rectification) on a
    project while it is under approval and approved."""
    from oversight.models import Rectification, SecurityProfile, SharingViolation, SupervisionFinding
    from tests.test_approval import MERGED, TWO_STAGE, answer_all, approve, evaluate, save
    from tests.test_reviews import listed, reviewer

    filer = scope_filer()
    merged, two_stage = listed(
        factories.project(filer, name="范围测试合并编报项目", year=YEAR, total_investment="18000000.00"),
        factories.project(filer, name="范围测试两阶段项目", year=YEAR, total_investment="30000000.00"))
    drc = reviewer(OrgKind.DRC)
    office = reviewer(OrgKind.LEADING_GROUP_OFFICE)

    # Facts no action of the approval writes, standing on the merged-plan project throughout.
    with transaction.atomic():
        today = timezone.localdate()
        SharingViolation.objects.create(project=merged, year=today.year - 1, failed_to_share=True,
                                        description="未按要求共享", body=drc.organisation, recorded_on=today,
                                        recorded_by=drc)
        SecurityProfile.objects.create(project=merged, updated_by=filer, major_hidden_danger=True)
        finding = SupervisionFinding.objects.create(project=merged, body=drc.organisation, area="sharing",
                                                    description="未共享", requirement="限期共享",
                                                    found_on=date(2026, 1, 5), recorded_by=drc)
        Rectification.objects.create(finding=finding, ordered_on=date(2026, 1, 5), due_on=date(2026, 2, 5))
        recompute_obligations(project=merged)

    save(merged, MERGED)
    services.approval_submit(actor=filer, project_id=merged.pk)
    services.provincial_government_mark(actor=drc, project_id=merged.pk, required=True, reason="涉及全省统一平台")
    services.opinions_request(actor=drc, project_id=merged.pk)
    duty = Obligation.objects.filter(project=merged, kind=ObligationKind.OPINION).order_by("source_key").first()
    waive_obligation(actor=office, obligation_id=duty.pk, reason="该部门书面说明另行答复")
    finance = OpinionRequest.objects.get(project=merged, body__kind=OrgKind.FINANCE)
    services.opinion_answer(actor=reviewer(OrgKind.FINANCE), opinion_id=finance.pk, answer="disagree",
                            text="运维经费来源不明确")
    answer_all(merged, skip=(OrgKind.FINANCE,))
    evaluate(merged)
    services.provincial_government_mark(actor=drc, project_id=merged.pk, required=True, reason="涉及全省统一平台",
                                        agreed_on=timezone.localdate(), reference="川府函〔2026〕1号")
    approve(merged)

    save(two_stage, TWO_STAGE)
    save(two_stage, {**TWO_STAGE, "summary": "修改后的方案"})
    services.approval_submit(actor=filer, project_id=two_stage.pk)
    services.feasibility_approve(actor=drc, project_id=two_stage.pk, approved_investment=Decimal("30000000.00"))
    services.preliminary_design_submit(actor=filer, project_id=two_stage.pk, budget_estimate=Decimal("29000000.00"),
                                       has_integration_sharing_chapter=True)
    services.opinions_request(actor=drc, project_id=two_stage.pk)
    answer_all(two_stage)
    evaluate(two_stage)
    approve(two_stage, amount="29000000.00")

    # A draft made while its year's round is open owes its submission (第十五条) from the start.
    from declarations.services import round_create
    from tests.test_reviews import submit

    today = timezone.localdate()
    round_create(actor=office, year=YEAR + 1, title="", opens_on=today, closes_on=today + timedelta(days=30))
    draft = factories.project(filer, name="范围测试申报项目", year=YEAR + 1)
    assert Obligation.objects.filter(project=draft, kind=ObligationKind.DECLARATION_ROUND).exists()
    submit(draft)
    return merged, two_stage


def test_every_listed_action_leaves_exactly_the_rows_of_a_full_recompute(checked, caplog):
    build_demo_province()
    merged, two_stage = more_cases()

    assert checked.mismatches == []
    assert "义务重算失败" not in caplog.text
    # Every action with a narrowed (or no) refresh was checked, most of them many times.
    assert set(receivers.ACTION_DERIVATIONS) <= set(checked.checked), set(receivers.ACTION_DERIVATIONS) - set(checked.checked)
    assert checked.checked["opinion.answered"] >= 60 and checked.checked["approval.approved"] >= 8
    # … and each narrowed one where its refresh changed rows (a narrowing too narrow would have shown).
    # (A submission for approval is listed for the opinions' sake, but no request exists before it: none is made
    # until the project is under approval, and no transition leads back.)
    narrowed = {action for action, derivations in receivers.ACTION_DERIVATIONS.items() if derivations}
    assert narrowed - {"approval.submitted"} <= set(checked.refreshed), narrowed - set(checked.refreshed)
    # The comparison is worth something: the narrowed projects carry rows of derivations they did not refresh.
    kinds = set(Obligation.objects.filter(project=merged).values_list("kind", flat=True))
    assert {ObligationKind.OPINION, ObligationKind.SANCTION, ObligationKind.RECTIFICATION,
            ObligationKind.ACCEPTANCE_DUE, ObligationKind.MONITORING_REPORT} <= kinds
    assert Obligation.objects.filter(project=merged, status=ObligationStatus.WAIVED).count() == 1
    assert Project.objects.get(pk=two_stage.pk).stage == Stage.APPROVED


def test_the_refresh_of_an_opinion_answer_reads_the_opinions_only(checked, monkeypatch):
    """An answer refreshes its opinion duty at once (the body's to-do list), in a few statements."""
    from tests.test_approval import MERGED, save
    from tests.test_reviews import listed, reviewer

    filer = scope_filer()
    project = listed(factories.project(filer, name="范围测试项目", year=YEAR, total_investment="18000000.00"))[0]
    save(project, MERGED)
    services.approval_submit(actor=filer, project_id=project.pk)
    services.opinions_request(actor=reviewer(OrgKind.DRC), project_id=project.pk)
    assert Obligation.objects.filter(project=project, kind=ObligationKind.OPINION,
                                     status=ObligationStatus.OPEN).count() == 7
    opinion = OpinionRequest.objects.get(project=project, body__kind=OrgKind.FINANCE)
    refreshes = []
    real = receivers.facts_changed
    monkeypatch.setattr(receivers, "facts_changed",
                        lambda *a, **k: (refreshes.append(k.get("derivations")), real(*a, **k)))
    services.opinion_answer(actor=reviewer(OrgKind.FINANCE), opinion_id=opinion.pk, answer="agree")
    assert refreshes == [(derivation.opinion_obligations,)]
    done = Obligation.objects.get(source_key=f"opinion:{opinion.pk}")
    assert done.status == ObligationStatus.DONE and done.done_on == timezone.localdate()
    assert checked.mismatches == []

    # What the refresh costs: the project, the rest days, the profile, the requests, the stored rows — against
    # every fact of the project for a full recompute.
    project = Project.objects.select_related("unit__jurisdiction").get(pk=project.pk)
    with CaptureQueriesContext(connection) as narrowed:
        recompute_narrowed(project, (derivation.opinion_obligations,))
    with CaptureQueriesContext(connection) as full:
        recompute_obligations(project=project)
    assert len(narrowed) <= 6 and 2 * len(narrowed) < len(full), (len(narrowed), len(full))


# --- the mapping itself -----------------------------------------------------------------------------------

def _actions_in_code() -> set[str]:
    found = set()
    for path in ROOT.glob("*/**/*.py"):
        if path.parts[len(ROOT.parts)] in {".venv", "tests", "bench", "build"}:
            continue
        found.update(re.findall(r'action="([a-z_]+\.[a-z_]+)"', path.read_text(encoding="utf-8")))
    return found


def test_the_mapping_names_real_actions_and_known_derivations():
    actions = _actions_in_code()
    assert {"opinion.answered", "approval.approved", "delivery.accepted"} <= actions  # the scan finds them
    assert set(receivers.ACTION_DERIVATIONS) <= actions, set(receivers.ACTION_DERIVATIONS) - actions
    for derivations in receivers.ACTION_DERIVATIONS.values():
        assert set(derivations) <= set(derivation.PROJECT_DERIVATIONS)
    # Actions left out refresh everything; empty entries refresh nothing.
    assert receivers.derivations_for("delivery.accepted") is None
    assert receivers.derivations_for("approval.application_saved") == ()
    assert not receivers.changes_obligation_facts("approval.application_saved", "success")
    assert receivers.changes_obligation_facts("approval.submitted", "success")


def test_each_derivation_writes_only_keys_of_its_own_prefixes():
    """``recompute_narrowed`` replaces the stored rows of a derivation by its keys' prefixes: on the demo province
    every row of every derivation starts with one of its own prefixes and with none of another's."""
    from django.core.management import call_command

    assert set(derivation.SOURCE_KEY_PREFIXES) == set(derivation.PROJECT_DERIVATIONS)
    call_command("seed_demo", "--quiet-logins")
    ctx = _context(timezone.localdate())
    seen = Counter()
    for project in Project.objects.select_related("unit__jurisdiction").order_by("pk"):
        for derive in derivation.PROJECT_DERIVATIONS:
            own = derivation.SOURCE_KEY_PREFIXES[derive]
            others = derivation.source_key_prefixes(d for d in derivation.PROJECT_DERIVATIONS if d is not derive)
            for row in derive(project, ctx):
                assert row.source_key.startswith(own) and not row.source_key.startswith(others), row.source_key
                seen[derive.__name__] += 1
    assert len(seen) >= 6, seen

"""Data at scale (issue #8): the seeded generator at a tiny scale, and query counts per page that do not grow
with the rows shown (measured at two dataset sizes in the same test)."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from audit.chain import verify
from audit.models import AuditEvent
from catalogue.models import InformationSystem
from declarations.models import Document
from obligations.models import Obligation
from projects.models import Project, Stage
from scale.generator import APPROVED_STAGES, Generator, volumes

TINY = 0.00004  # 40 projects, 400 audit events (10 a project), 200 document records: the floor of every table
SMALL = 0.002  # 200 projects, 20,000 audit events (100 a project): more rows on every page


def _generate(scale: float, seed: int = 42):
    return Generator(scale=scale, seed=seed).run()


def _snapshot() -> list[tuple]:
    return list(Project.objects.order_by("number").values_list("number", "name", "stage", "year", "total_investment",
                                                                "unit__code"))


@pytest.mark.django_db(transaction=False)
def test_generator_writes_the_planned_volumes_with_a_valid_audit_chain():
    report = _generate(TINY)
    planned = volumes(TINY)
    assert Project.objects.count() == planned["projects"] == 40
    assert InformationSystem.objects.count() == planned["systems"]
    assert Document.objects.count() == planned["documents"]
    assert AuditEvent.objects.filter(action="project.created").count() == planned["projects"]
    assert AuditEvent.objects.count() >= planned["audit_events"]
    # The chain the generator wrote verifies from the genesis, exactly as manage.py verify_audit_chain does.
    chain = verify(AuditEvent.objects.order_by("seq").iterator())
    assert chain.ok, chain.problem
    assert chain.checked == AuditEvent.objects.count()
    # Approved projects carry their approval (the database constraint would refuse otherwise).
    assert not Project.objects.filter(stage=Stage.ACCEPTED, approval_date__isnull=True).exists()
    # The report gives rows and rows per second for every table written.
    rows = {t.table: t for t in report.tables}
    assert rows["projects_project"].rows == 40 and rows["projects_project"].rate > 0
    assert rows["audit_auditevent"].rows == planned["audit_events"]
    assert "合计" in "\n".join(report.lines())


@pytest.mark.django_db
def test_projects_at_or_past_the_approval_stage_have_an_approval_application():
    from reviews.models import ApprovalApplication, ApprovalPath

    _generate(SMALL)
    at_approval = Project.objects.filter(stage__in=[Stage.UNDER_APPROVAL, *APPROVED_STAGES])
    assert at_approval.exists()
    with_application = at_approval.filter(approval_application__isnull=False)
    assert with_application.count() == at_approval.count()
    # Drafts, submissions and listings have not reached approval (第十八条): no application yet.
    assert not ApprovalApplication.objects.filter(
        project__stage__in=[Stage.DRAFT, Stage.SUBMITTED, Stage.NOT_LISTED, Stage.LISTED]).exists()
    paths = set(ApprovalApplication.objects.values_list("path", flat=True))
    assert paths == {ApprovalPath.TWO_STAGE, ApprovalPath.MERGED, ApprovalPath.PURCHASED_SERVICE}
    # A merged implementation plan only up to 2000万 (第十八条第二款（三）); approved two-stage projects carry
    # their feasibility approval; the application's amount is the project's.
    assert not ApprovalApplication.objects.filter(path=ApprovalPath.MERGED, total_investment__gt=20_000_000).exists()
    two_stage_approved = ApprovalApplication.objects.filter(path=ApprovalPath.TWO_STAGE,
                                                            project__approval_date__isnull=False)
    assert two_stage_approved.exists()
    assert not two_stage_approved.filter(feasibility_approval_date__isnull=True).exists()
    for app in ApprovalApplication.objects.select_related("project")[:50]:
        assert app.total_investment == app.project.total_investment


@pytest.mark.django_db
def test_generated_review_and_opinion_bodies_are_the_profiles():
    """The generator reads 集中审查 bodies (第十七条) and 征求意见 bodies (第二十二条) from the provincial profile, so
    the generated listed projects pass the rule that reads the same parameter."""
    from policy.services import resolve_for
    from reviews.models import OpinionRequest, ReviewConclusion
    from reviews.selectors import reviewed_body_kinds
    from rules import ch03_approval as ch03

    _generate(TINY)
    profile = resolve_for("510000", Generator(scale=TINY, seed=42).now.date())
    assert set(ReviewConclusion.objects.values_list("body__kind", flat=True)) == set(
        profile.value("centralized_review.bodies"))
    assert set(OpinionRequest.objects.values_list("body__kind", flat=True)) == set(profile.value("opinion.bodies"))
    listed = Project.objects.filter(stage=Stage.LISTED).first() or Project.objects.exclude(stage=Stage.DRAFT).first()
    assert ch03.centralized_review_complete(reviewed_body_kinds(listed), profile).outcome.value == "pass"


@pytest.mark.django_db
def test_real_action_after_generation_links_onto_the_generated_chain():
    from projects import services as project_services

    _generate(TINY)
    filer = User.objects.get(username="scale-filer-00001")
    project = project_services.project_create(actor=filer, name="生成数据之后的新项目", year=2027,
                                              delivery_mode="self_built", total_investment=Decimal("1000000.00"))
    # The project number continues after the generated ones instead of colliding with them.
    assert not Project.objects.filter(number=project.number).exclude(pk=project.pk).exists()
    chain = verify(AuditEvent.objects.order_by("seq").iterator())
    assert chain.ok, chain.problem
    assert AuditEvent.objects.order_by("-seq").first().action == "project.created"


@pytest.mark.django_db
def test_same_seed_gives_the_same_rows_and_another_seed_does_not():
    def run(seed):
        with transaction.atomic():
            _generate(TINY, seed)
            rows = _snapshot()
            transaction.set_rollback(True)
        return rows

    first, again, other = run(42), run(42), run(7)
    assert first == again
    assert first != other


@pytest.mark.django_db
def test_command_refuses_a_database_that_already_holds_scale_data(capsys):
    call_command("generate_scale_data", "--scale", str(TINY), "--seed", "1")
    out = capsys.readouterr().out
    assert "行/秒" in out and "projects_project" in out
    with pytest.raises(CommandError, match="已有规模数据"):
        call_command("generate_scale_data", "--scale", str(TINY))
    with pytest.raises(CommandError, match="--scale 必须大于 0"):
        call_command("generate_scale_data", "--scale", "0")


# --- Query counts per page do not grow with the rows shown (issue #8 §2, "a test asserts this") -----------

def _pages() -> dict[str, tuple[str, str]]:
    """page → (username, url), resolved against the current dataset."""
    busiest = Project.objects.filter(stage__in=[Stage.IN_CONSTRUCTION, Stage.ACCEPTED]).order_by("pk").first().pk
    filer = User.objects.get(username="scale-filer-00001")
    owned = Obligation.objects.filter(organisation_id=filer.organisation_id).count()
    assert owned, "the filer must have to-dos for the to-do page to show rows"
    return {
        "ledger (filters + sort)": ("scale-drc", reverse("projects:list") + "?stage=in_construction&sort=-investment"
                                    "&min_investment=0"),
        "ledger (all)": ("scale-drc", reverse("projects:list") + "?sort=number"),
        "dashboard": ("scale-drc", reverse("dashboards:province")),
        "project detail + timeline": ("scale-drc", reverse("projects:detail", args=[busiest])),
        "to-do list": ("scale-filer-00001", reverse("home")),
        "obligations": ("scale-filer-00001", reverse("obligations:list")),
        "audit search": ("scale-auditor", reverse("audit:search") + "?action=project.created"),
    }


def _measure() -> dict[str, tuple[int, int]]:
    """page → (queries, bytes of the page)."""
    out = {}
    for name, (username, url) in _pages().items():
        client = Client()
        client.force_login(User.objects.get(username=username))
        client.get(url)  # warm per-process caches (profiles, content types) so both sizes are measured alike
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        out[name] = (len(ctx.captured_queries), len(response.content))
    return out


@pytest.mark.django_db
def test_query_count_of_each_page_does_not_grow_with_the_rows_shown():
    sizes = {}
    for scale in (TINY, SMALL):
        with transaction.atomic():
            _generate(scale)
            sizes[scale] = _measure()
            transaction.set_rollback(True)
    small, large = sizes[TINY], sizes[SMALL]
    grew = {name: (small[name][0], large[name][0]) for name in small if large[name][0] > small[name][0]}
    assert not grew, f"query count grew with the data (page: tiny → small): {grew}"
    # The larger dataset really shows more rows on the pages that list things (so the test can fail).
    assert large["project detail + timeline"][1] > small["project detail + timeline"][1]
    assert large["to-do list"][1] > small["to-do list"][1]


@pytest.mark.django_db
def test_audit_search_pages_by_seq_with_the_same_queries_on_every_page():
    """Keyset pagination (issue #8): a deep page costs the same queries as the first, with no COUNT and no OFFSET
    (both grow with the trail); the pages follow each other without gaps or overlaps, and filters still apply."""
    import re

    from audit.services import record

    _generate(SMALL)
    auditor = User.objects.get(username="scale-auditor")
    with transaction.atomic():
        record(actor=auditor, action="audit.viewed", object_label="<script>alert(1)</script>", object_type="x")
    client = Client()
    client.force_login(auditor)
    url = reverse("audit:search")
    client.get(url)  # warm per-process caches
    seen, pages, counts = [], 0, []
    next_query = ""
    while pages < 4:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url + ("?" + next_query if next_query else ""))
        html = response.content.decode()
        sql = " ".join(q["sql"].upper() for q in ctx.captured_queries)
        assert "COUNT(" not in sql and "OFFSET" not in sql
        seqs = [int(s) for s in re.findall(r'<td class="num">(\d+)</td>', html)]
        assert len(seqs) == 50 and seqs == sorted(seqs, reverse=True)
        seen += seqs
        counts.append(len(ctx.captured_queries))
        next_query = re.search(r'class="pager"><a href="\?([^"]+)"', html).group(1).replace("&amp;", "&")
        pages += 1
    assert len(set(counts)) == 1, f"queries per page changed with depth: {counts}"
    newest = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True)[:200]
    assert seen == list(newest)  # consecutive pages, newest first, nothing skipped or repeated
    first = client.get(url).content.decode()
    # Values are escaped (the rows are built in Python, not by the template engine).
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in first and "<script>alert(1)" not in first
    # The filters still filter: one user's events only, and a date range with no events shows none.
    filer = "scale-filer-00002"
    only = client.get(url, {"actor": filer}).content.decode()
    assert only.count("<tr><td") == min(50, AuditEvent.objects.filter(actor_name=filer).count()) > 0
    assert "scale-filer-00001<" not in only
    none = client.get(url, {"date_from": "2001-01-01", "date_to": "2001-01-02"}).content.decode()
    assert "没有符合条件的审计事件" in none

"""The pre-check compares a declaration with every catalogue system (第六条) through a per-process pool
(``declarations.selectors._catalogue_pool``, issue #8: at 100,000 projects the 50,000 systems were read and indexed
on every check, 1.6 s). These tests hold the pool to what the check did before it: the same candidates under the same
keys, the same findings, every change to the catalogue seen at once, and a query count that does not grow."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalogue.models import InformationSystem, ProjectSystemLink, SystemStatus
from declarations import selectors
from projects.models import Project
from projects.services import profile_for
from rules.ch02_integration import DuplicateSource
from rules.precheck import run_precheck
from rules.similarity import Candidate
from tests.test_declarations import ready_project

pytestmark = pytest.mark.django_db

SIMILAR = "网上受理和审批办理，测试业务统一办理"
OTHER = "林草防火监测，预警发布"


def make_system(unit, code, name, purpose=OTHER, status=SystemStatus.RUNNING) -> InformationSystem:
    return InformationSystem.objects.create(
        unit=unit, code=code, name=name, purpose=purpose, status=status, on_government_cloud=True,
        network="egov_extranet", is_classified=False, mlps_level=3,
        retired_at=timezone.now() if status == SystemStatus.RETIRED else None)


def link(project, system, filer) -> None:
    ProjectSystemLink.objects.create(project=project, system=system, relation="integrate", created_by=filer)


def candidates_as_before(project) -> list[Candidate]:
    """The catalogue candidates as the pre-check built them on every check before the pool (session 7's code)."""
    linked = set(project.system_links.values_list("system_id", flat=True))
    candidates: dict[str, Candidate] = {}
    systems = (InformationSystem.objects.exclude(status=SystemStatus.RETIRED).order_by("unit__code", "code")
               .values_list("pk", "code", "name", "purpose", "unit_id", "unit__code", "unit__name"))
    for pk, code, name, purpose, unit_id, unit_code, unit_name in systems:
        own = unit_id == project.unit_id or pk in linked
        key = code if own else f"{unit_code}/{code}"
        candidates.setdefault(key, Candidate(key=key, title=name, owner=unit_name,
                                             group=DuplicateSource.CATALOGUE_SYSTEM,
                                             text="\n".join(p for p in (name, purpose) if p)))
    return list(candidates.values())


def findings_as_before(project):
    """The findings with every candidate in one index built from the facts (run_precheck without an index)."""
    materials = selectors.materials_for(project)
    facts = selectors.declaration_facts(project, materials)
    return selectors.unanswered_findings(materials, run_precheck(facts, profile_for(project)))


def catalogue_warning(findings):
    return next((f for f in findings if f.rule == f"possible_duplicate_{DuplicateSource.CATALOGUE_SYSTEM}"), None)


def fresh(project) -> Project:
    return Project.objects.select_related("unit__jurisdiction").get(pk=project.pk)


@pytest.fixture
def catalogue(filer_a, filer_b, unit_a, unit_b):
    """A draft of unit 甲 and a catalogue with every case the keys depend on."""
    draft = ready_project(filer_a, "甲单位业务办理")  # links its own new system 甲单位业务办理系统 (build)
    make_system(unit_a, "A-OWN-1", "甲单位测试业务统一办理平台", SIMILAR)  # own: keyed by its code
    make_system(unit_a, "SHARED", "甲单位共用编码系统", OTHER)  # own, with a code another unit uses too
    linked_b = make_system(unit_b, "B-LINKED", "乙单位测试业务受理系统", SIMILAR)  # another unit's, linked: by code
    shared_b = make_system(unit_b, "SHARED", "乙单位共用编码系统", SIMILAR)  # linked too, its code taken by 甲's
    make_system(unit_b, "B-PLAIN", "乙单位测试业务审批系统", SIMILAR)  # another unit's: “unit code/code”
    make_system(unit_b, "B-RETIRED", "乙单位已停用测试业务系统", SIMILAR, status=SystemStatus.RETIRED)
    link(draft, linked_b, filer_a)
    link(draft, shared_b, filer_a)
    return fresh(draft)


def test_the_candidates_and_their_keys_are_those_of_the_check_before_the_pool(catalogue, unit_b):
    compared = selectors._catalogue(catalogue)[2]
    assert compared.candidates == candidates_as_before(catalogue)
    keys = [c.key for c in compared.candidates]
    assert {"A-OWN-1", "B-LINKED", f"{unit_b.code}/B-PLAIN"} <= set(keys)
    assert keys.count("SHARED") == 1 and f"{unit_b.code}/SHARED" not in keys
    assert not any("B-RETIRED" in key for key in keys)
    # The pool's own copies of the unit's and the linked entries are hidden from this check.
    assert f"{unit_b.code}/B-LINKED" in compared.hidden and f"{unit_b.code}/B-PLAIN" not in compared.hidden


def test_the_findings_are_those_of_one_index_of_every_candidate(catalogue, filer_b, unit_b):
    findings = selectors.precheck_findings(catalogue)
    assert findings == findings_as_before(catalogue)
    warning = catalogue_warning(findings)
    assert warning is not None
    shown = [m["编号"] for m in warning.evidence["相似条目"]]
    assert f"{unit_b.code}/B-PLAIN" in shown and "A-OWN-1" in shown
    assert "B-LINKED" not in shown  # a system the project integrates is named by it, not compared (第六条)
    # Seen from unit 乙's own draft, the same systems carry the other keys.
    other = fresh(ready_project(filer_b, "乙单位测试业务办理"))
    assert selectors._catalogue(other)[2].candidates == candidates_as_before(other)
    assert selectors.precheck_findings(other) == findings_as_before(other)


def test_every_change_to_the_catalogue_is_seen_by_the_next_check(catalogue, unit_a, unit_b):
    plain = InformationSystem.objects.get(code="B-PLAIN")
    assert "乙单位测试业务审批系统" in catalogue_warning(selectors.precheck_findings(catalogue)).message
    # Renamed and rewritten (an edit raises the version): named by its new name.
    plain.name, plain.version = "乙单位综合审批平台", plain.version + 1
    plain.save()
    assert "乙单位综合审批平台" in catalogue_warning(selectors.precheck_findings(catalogue)).message
    # Its unit renamed: the warning names the new owner.
    unit_b.name = "测试单位乙（更名）"
    unit_b.save()
    assert "测试单位乙（更名）" in catalogue_warning(selectors.precheck_findings(catalogue)).message
    # Retired: no longer compared.
    InformationSystem.objects.filter(pk=plain.pk).update(status=SystemStatus.RETIRED, retired_at=timezone.now())
    assert "乙单位综合审批平台" not in catalogue_warning(selectors.precheck_findings(catalogue)).message
    # A new similar system: compared at once.
    make_system(unit_b, "B-NEW", "乙单位测试业务新办系统", SIMILAR)
    findings = selectors.precheck_findings(catalogue)
    assert "乙单位测试业务新办系统" in catalogue_warning(findings).message
    assert findings == findings_as_before(catalogue)


def test_the_checks_queries_do_not_grow_with_the_catalogue_and_the_index_is_reused(catalogue, unit_b):
    def checked():
        with CaptureQueriesContext(connection) as queries:
            findings = selectors.precheck_findings(catalogue)
        return len(queries), findings

    checked()  # builds both pools (the declarations' and the catalogue's)
    warm_small, _ = checked()
    pool = selectors._catalogue_pool()
    assert selectors._catalogue_pool() is pool  # nothing changed: the same pool, not rebuilt
    InformationSystem.objects.bulk_create([InformationSystem(
        unit=unit_b, code=f"B-MANY-{i:03d}", name=f"乙单位其他系统{i:03d}", purpose=OTHER, status=SystemStatus.RUNNING,
        on_government_cloud=True, network="egov_extranet", is_classified=False, mlps_level=3) for i in range(120)])
    cold_large, findings = checked()
    warm_large, _ = checked()
    assert selectors._catalogue_pool() is not pool
    assert warm_small == warm_large  # a check reads the same statements whatever the catalogue's size
    assert cold_large == warm_large + 1  # and one more to read the systems when one of them changed
    assert findings == findings_as_before(catalogue)

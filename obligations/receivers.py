"""Keeping the derived obligations in step with the facts.

Every lifecycle action writes exactly one audit event, inside its transaction, naming the project
(docs/architecture.md). Obligations are a projection of those facts, so the projection is refreshed
after that transaction commits — this is not workflow (nothing in the lifecycle depends on it), and
the daily job recomputes every project with a newer audit event anyway. Services may also call
``obligations.services.facts_changed(project_id)`` explicitly.

The refresh is most of such a request's time (issue #8), so it does only what the event can have changed:
- nothing for refusals and failures (their transaction changed nothing), reads and exports, and the actions whose
  records no derivation reads (an empty entry of ``ACTION_DERIVATIONS``);
- the derivations listed in ``ACTION_DERIVATIONS`` for the actions there (``services.recompute_narrowed``): those
  that read a fact the action writes, or the project's stage where it moves it between stages in which the
  derivation's result differs;
- every derivation for any other action (an action not listed, or added later, is never missed).
tests/test_obligation_scopes.py checks, for every listed action done through the services on the demo province,
that the narrowed refresh leaves exactly the rows a full recompute gives.
"""

from .derivation import (
    acceptance_obligations,
    acceptance_sanction_obligations,
    declaration_round_obligations,
    monitoring_obligations,
    om_budget_obligations,
    opinion_obligations,
    oversight_sanction_obligations,
    rectification_obligations,
    self_evaluation_obligations,
    surplus_obligations,
)
from .services import facts_changed

READ_ONLY_SUFFIXES = (".downloaded", ".exported", ".viewed")

# What each action can change. The derivations read (obligations/derivation.py): the project's stage, number,
# name, unit and year; declaration rounds and the submission (第十五条); opinion requests (第二十二条); the
# approval date and construction period, the construction record, deferrals and acceptance applications
# (第三十一条、第三十二条); go-live, monitoring reports and self-evaluations (第四十五条、第四十六条); final accounts
# and surplus returns (第三十六条); O&M contracts, procurements and budget declarations (第三十七条);
# rectifications, sharing and security facts (第三十三条、第四十七条、第五十一条); and the rows already stored.
ACTION_DERIVATIONS = {
    # A draft: its materials (the round it was submitted in, 第十五条) and its submission (draft → submitted: of the
    # stage-dependent duties only the round's depends on a draft).
    "project.created": (declaration_round_obligations,),
    "declaration.materials_updated": (declaration_round_obligations,),
    "declaration.submitted": (declaration_round_obligations,),
    # 集中审查结论 (reviews.ReviewConclusion, 第十七条) and 列入清单 (submitted → listed: no derivation's result
    # differs between these stages; the list itself is read by none).
    "review.conclusion_recorded": (),
    "annual_list.put_on": (),
    # The approval application, its department parts and city links, the feasibility approval, the preliminary
    # design, the provincial government's mark (reviews.ApprovalApplication) and the evaluation (第二十四条):
    # read by no derivation.
    "approval.application_saved": (),
    "approval.feasibility_approved": (),
    "approval.preliminary_design_submitted": (),
    "approval.provincial_government_marked": (),
    "evaluation.recorded": (),
    # Listed → under approval: of the stage-dependent duties only an unanswered opinion's depends on these two.
    "approval.submitted": (opinion_obligations,),
    "opinion.requested": (opinion_obligations,),
    "opinion.answered": (opinion_obligations,),
    # Under approval → approved, with the approval date and construction period: unanswered opinions are no longer
    # owed; acceptance (第三十一条), its sanction (第三十二条), monitoring (第四十五条) and self-evaluation (第四十六条)
    # begin. Declaration rounds (not a draft either way), O&M budgets (accepted only), surplus, rectification and
    # the oversight sanctions read neither.
    "approval.approved": (opinion_obligations, acceptance_obligations, acceptance_sanction_obligations,
                          monitoring_obligations, self_evaluation_obligations),
    # In construction → trial run, with the trial run's first day: the acceptance duty turns “申请验收” once the
    # trial run has run its months. Every other stage-dependent duty is the same in both stages.
    "delivery.trial_run_started": (acceptance_obligations,),
    # Records no derivation reads: contracts, participating departments, trouble reports (a suspension is its
    # own event), acceptance filings, archives, information resources; catalogue links.
    "delivery.contract_added": (),
    "delivery.participant_added": (),
    "delivery.participant_progress": (),
    "delivery.trouble_reported": (),
    "delivery.acceptance_filed": (),
    "delivery.acceptance_filing_registered": (),
    "delivery.archived": (),
    "oversight.resource_added": (),
    "catalogue.project_system_linked": (),
    # Money (第三十六条、第三十七条): sources, payments and bids are read by none; a procurement (its O&M service
    # period) by the O&M budget duty; final accounts and returns by the surplus duty.
    "funding.source_added": (),
    "funding.disbursed": (),
    "funding.bid_added": (),
    "funding.bids_evaluated": (),
    "funding.procurement_created": (om_budget_obligations,),
    "funding.final_accounts": (surplus_obligations,),
    "funding.surplus_returned": (surplus_obligations,),
    # Oversight (第三十三条、第四十五条、第四十七条).
    "oversight.monitoring_report_submitted": (monitoring_obligations,),
    "oversight.rectification_ordered": (rectification_obligations,),
    "oversight.sharing_violation_recorded": (oversight_sanction_obligations,),
}

# Actions whose records no derivation reads: no refresh at all.
NO_OBLIGATION_FACTS = frozenset(action for action, derivations in ACTION_DERIVATIONS.items() if not derivations)


def changes_obligation_facts(action: str, outcome: str) -> bool:
    return (outcome == "success" and not action.startswith(("obligation.", "obligations.")) and action not in NO_OBLIGATION_FACTS
            and not action.endswith(READ_ONLY_SUFFIXES))


def derivations_for(action: str):
    """The derivations an action can change, or None: all of them (an action not in ``ACTION_DERIVATIONS``)."""
    return ACTION_DERIVATIONS.get(action)


def audit_event_recorded(sender, instance, created, **kwargs):
    if not created or not changes_obligation_facts(instance.action, instance.outcome):
        return
    if instance.project_id is not None:
        facts_changed(instance.project_id, derivations=derivations_for(instance.action))
    elif instance.action.startswith("declaration_round."):
        facts_changed(drafts=True)

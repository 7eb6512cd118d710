"""Keeping the derived obligations in step with the facts.

Every lifecycle action writes exactly one audit event, inside its transaction, naming the project
(docs/architecture.md). Obligations are a projection of those facts, so the projection is refreshed
after that transaction commits — this is not workflow (nothing in the lifecycle depends on it), and
the daily job recomputes every project with a newer audit event anyway. Services may also call
``obligations.services.facts_changed(project_id)`` explicitly.

Events that cannot have changed a fact the derivation reads (obligations/derivation.py) skip the recompute, which
is most of such a request's time (issue #8): refusals and failures (their transaction changed nothing), reads and
exports, and the actions listed in ``NO_OBLIGATION_FACTS``, whose records no derivation reads.
"""

from .services import facts_changed

READ_ONLY_SUFFIXES = (".downloaded", ".exported", ".viewed")

# Actions whose rows no derivation reads: 集中审查结论 (reviews.ReviewConclusion, 第十七条) changes neither the
# project's stage nor a date of the measures' duties; the stage change that follows the review is its own event.
NO_OBLIGATION_FACTS = frozenset({"review.conclusion_recorded"})


def changes_obligation_facts(action: str, outcome: str) -> bool:
    return (outcome == "success" and not action.startswith(("obligation.", "obligations.")) and action not in NO_OBLIGATION_FACTS
            and not action.endswith(READ_ONLY_SUFFIXES))


def audit_event_recorded(sender, instance, created, **kwargs):
    if not created or not changes_obligation_facts(instance.action, instance.outcome):
        return
    if instance.project_id is not None:
        facts_changed(instance.project_id)
    elif instance.action.startswith("declaration_round."):
        facts_changed(drafts=True)

"""Keeping the derived obligations in step with the facts.

Every lifecycle action writes exactly one audit event, inside its transaction, naming the project
(docs/architecture.md). Obligations are a projection of those facts, so the projection is refreshed
after that transaction commits — this is not workflow (nothing in the lifecycle depends on it), and
the daily job recomputes everything anyway. Services may also call
``obligations.services.facts_changed(project_id)`` explicitly.
"""

from .services import facts_changed


def audit_event_recorded(sender, instance, created, **kwargs):
    if not created or instance.action.startswith("obligation."):
        return
    if instance.project_id is not None:
        facts_changed(instance.project_id)
    elif instance.action.startswith("declaration_round."):
        facts_changed(drafts=True)

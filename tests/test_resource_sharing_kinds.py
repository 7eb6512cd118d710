"""The rule's sharing kinds (rules.ch02_integration.SharingKind, pure Python) are the model's choices
(oversight.models.SharingType): a choice added to one alone would never meet the rule's conditions."""

from oversight.models import SharingType
from rules.ch02_integration import SharingKind


def test_the_rule_knows_every_sharing_type_the_form_offers():
    assert sorted(SharingKind) == sorted(SharingType.values)

from pathlib import Path

from regulation.inventory import INVENTORY, NOT_FORMALISED
from regulation.parser import measures

ROOT = Path(__file__).resolve().parent.parent


def test_the_inventory_covers_every_article():
    assert sorted(INVENTORY) == [a.number for a in measures().articles]


def test_every_place_named_in_the_inventory_exists_and_gaps_say_why():
    for number, entry in INVENTORY.items():
        for place in entry.where:
            assert (ROOT / place).exists(), f"第{number}条: {place} does not exist"
        if entry.status == NOT_FORMALISED:
            assert entry.note, f"第{number}条 is not formalised without a reason"
        else:
            assert entry.where, f"第{number}条 is implemented nowhere"

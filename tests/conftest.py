import pytest

from accounts.models import OrgKind, Role
from tests import factories


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 at Django's production cost takes ~0.3 s a hash; the tests create and log in many users.
    # What is tested is who may do what, not the hash function.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    # Each test starts with an empty cache: on SQLite a rolled-back test leaves the next one the same ids and chain
    # sequence numbers, so a value kept by an earlier test (the ledger's count) could look current.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def unit_a(db):
    return factories.org("T-A", "测试单位甲")


@pytest.fixture
def unit_b(db):
    return factories.org("T-B", "测试单位乙")


@pytest.fixture
def filer_a(unit_a):
    return factories.user("filer_a", unit_a, Role.FILER)


@pytest.fixture
def filer_b(unit_b):
    return factories.user("filer_b", unit_b, Role.FILER)


@pytest.fixture
def drc_reviewer(db):
    return factories.user("drc_r", factories.body(OrgKind.DRC), Role.REVIEWER)


@pytest.fixture
def office_reviewer(db):
    return factories.user("office_r", factories.body(OrgKind.LEADING_GROUP_OFFICE), Role.REVIEWER)


@pytest.fixture
def cyber_reviewer(db):
    return factories.user("cyber_r", factories.body(OrgKind.CYBERSPACE_OFFICE), Role.REVIEWER)


@pytest.fixture
def auditor(db):
    return factories.user("auditor_t", factories.body(OrgKind.AUDIT_OFFICE), Role.AUDITOR)


@pytest.fixture
def sysadmin(db):
    return factories.user("sysadmin_t", factories.body(OrgKind.BIG_DATA_CENTER), Role.SYSTEM_ADMIN)


@pytest.fixture
def client_for(client):
    """Log a user in on a fresh test client."""
    from django.test import Client

    def make(user):
        c = Client()
        c.force_login(user)
        return c

    return make

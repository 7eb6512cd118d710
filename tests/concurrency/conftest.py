"""Tests that need real commits seen by several connections (threads): transactional database,
with the reference data put back after each flush (see tests/browser/conftest.py for why)."""

import pytest

from tests.browser.conftest import _empty_audit_table_for_flush, _reseed_after_flush, seed_reference_data


@pytest.fixture(scope="package", autouse=True)
def _reference_data_survives_flush():
    from django.apps import apps
    from django.db.models.signals import post_migrate

    policy = apps.get_app_config("policy")
    post_migrate.disconnect(sender=policy, dispatch_uid="policy-sync-shipped-profiles")
    post_migrate.connect(_reseed_after_flush, sender=policy, dispatch_uid="tests-concurrency-reseed")
    yield
    post_migrate.disconnect(sender=policy, dispatch_uid="tests-concurrency-reseed")
    policy.ready()


@pytest.fixture(autouse=True)
def _committed_db(_reference_data_survives_flush, transactional_db):
    seed_reference_data()
    yield
    _empty_audit_table_for_flush()

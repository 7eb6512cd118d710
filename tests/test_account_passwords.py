"""The two ways a password is set (accounts.services.password_change and password_reset_by_admin), which share
one step: validation with the errors under each form's own field, the history, the stamp that ends sessions."""

import pytest
from django.core.exceptions import ValidationError

from accounts import services
from accounts.models import PasswordHistory, User
from tests import factories

pytestmark = pytest.mark.django_db

PW = factories.PASSWORD
STRONG = "Qz7#mRv2-Lp9x"


def test_a_weak_new_password_is_refused_under_the_change_forms_field(filer_a):
    with pytest.raises(ValidationError) as refused:
        services.password_change(user=filer_a, old_password=PW, new_password="123")
    assert set(refused.value.message_dict) == {"new_password1"}
    assert User.objects.get(pk=filer_a.pk).check_password(PW)  # nothing changed


def test_a_weak_reset_is_refused_under_the_admin_forms_field(filer_a, sysadmin):
    with pytest.raises(ValidationError) as refused:
        services.password_reset_by_admin(actor=sysadmin, user=filer_a, new_password="123")
    assert set(refused.value.message_dict) == {"password1"}
    assert User.objects.get(pk=filer_a.pk).check_password(PW)


@pytest.mark.parametrize("by_admin", [False, True])
def test_setting_a_password_keeps_the_old_one_ends_sessions_and_says_whether_to_change_it(filer_a, sysadmin,
                                                                                          by_admin):
    before = User.objects.get(pk=filer_a.pk)
    if by_admin:
        services.password_reset_by_admin(actor=sysadmin, user=filer_a, new_password=STRONG)
    else:
        services.password_change(user=filer_a, old_password=PW, new_password=STRONG)
    after = User.objects.get(pk=filer_a.pk)
    assert after.check_password(STRONG)
    assert after.must_change_password is by_admin  # a reset must be changed at the next login
    assert after.security_stamp != before.security_stamp  # every session ends
    assert after.password_changed_at > before.password_changed_at
    assert list(PasswordHistory.objects.filter(user=filer_a).values_list("password", flat=True)) == [before.password]

"""The backends of every signed-in request: its session and its user, one statement each (issue #8).

Django's ModelBackend loads the user by itself; the permission checks of nearly every page then read the user's
roles and organisation, two more queries, each built by the ORM anew on every request. ``AccountBackend.get_user``
reads the user, its organisation and its roles with one statement whose SQL is written once per process from the
models' own columns; values go through the same database converters as an ORM read, so the objects are the ones
the ORM would build. The roles are still read on every request, so a granted or removed role applies to the next
request as before (accounts.models.User.role_set); authentication itself is ModelBackend's, unchanged.

``SessionStore`` (``SESSION_ENGINE = "accounts.backends"``) is Django's database session store, whose reading of
the session row on every request is one written statement instead of an ORM query built anew; writing, expiry and
the key checks are Django's.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends import db as db_sessions
from django.db import connections, router
from django.utils import timezone

from config.statements import PerDatabase, converted, model_columns

from .models import Jurisdiction, Organisation, RoleAssignment, User


class _UserStatement:
    """The SQL of one database, built on first use (the columns follow the models, so a migration needs no edit)."""

    def __init__(self, connection):
        quote = connection.ops.quote_name
        self.user_names, user_columns, self.user_converters = model_columns(User, "u", connection)
        self.org_names, org_columns, self.org_converters = model_columns(Organisation, "o", connection)
        self.place_names, place_columns, self.place_converters = model_columns(Jurisdiction, "j", connection)
        user, organisation, role = User._meta, Organisation._meta, RoleAssignment._meta
        jurisdiction = Jurisdiction._meta
        user_pk = f"u.{quote(user.pk.column)}"
        self.sql = (
            f"SELECT {', '.join(user_columns + org_columns + place_columns)}, "
            f"r.{quote(role.get_field('role').column)} "
            f"FROM {quote(user.db_table)} u "
            f"LEFT JOIN {quote(organisation.db_table)} o "
            f"ON o.{quote(organisation.pk.column)} = u.{quote(user.get_field('organisation').column)} "
            f"LEFT JOIN {quote(jurisdiction.db_table)} j "
            f"ON j.{quote(jurisdiction.pk.column)} = o.{quote(organisation.get_field('jurisdiction').column)} "
            f"LEFT JOIN {quote(role.db_table)} r ON r.{quote(role.get_field('user').column)} = {user_pk} "
            f"WHERE {user_pk} = %s"
        )


_statements = PerDatabase(_UserStatement)


def load_user(user_id: int, using: str | None = None) -> User | None:
    """The user with its organisation, the organisation's jurisdiction and the user's roles (``role_set()``) from one
    statement; None if there is none."""
    using = using or router.db_for_read(User)
    connection = connections[using]
    statement = _statements(using)
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, [user_id])
        rows = cursor.fetchall()
    if not rows:
        return None
    first = rows[0]
    n_user, n_org, n_place = len(statement.user_names), len(statement.org_names), len(statement.place_names)
    user = User.from_db(using, statement.user_names, converted(first[:n_user], statement.user_converters, connection))
    organisation = None
    if user.organisation_id is not None:
        organisation = Organisation.from_db(
            using, statement.org_names,
            converted(first[n_user:n_user + n_org], statement.org_converters, connection))
        # Its jurisdiction too: the profile in force for the user's place (reminder days on the to-do page, the
        # dashboards) is resolved from it on many pages.
        place = Jurisdiction.from_db(
            using, statement.place_names,
            converted(first[n_user + n_org:n_user + n_org + n_place], statement.place_converters, connection))
        Organisation.jurisdiction.field.set_cached_value(organisation, place)
    User.organisation.field.set_cached_value(user, organisation)
    user._role_cache = frozenset(row[-1] for row in rows if row[-1] is not None)
    return user


class AccountBackend(ModelBackend):
    def get_user(self, user_id):
        try:
            user_id = int(user_id)
        except (TypeError, ValueError):
            return None
        user = load_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class SessionStore(db_sessions.SessionStore):
    def load(self):
        """The session's data if its row exists and has not expired (the same condition as Django's), else {}."""
        model = self.model
        key = self.session_key
        if not key:
            self._session_key = None
            return {}
        using = router.db_for_read(model)
        connection = connections[using]
        sql = _session_reads.get(using)
        if sql is None:
            quote, meta = connection.ops.quote_name, model._meta
            sql = _session_reads[using] = (
                f"SELECT {quote(meta.get_field('session_data').column)} FROM {quote(meta.db_table)} "
                f"WHERE {quote(meta.pk.column)} = %s AND {quote(meta.get_field('expire_date').column)} > %s")
        now = model._meta.get_field("expire_date").get_db_prep_value(timezone.now(), connection)
        with connection.cursor() as cursor:
            cursor.execute(sql, [key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return {}
        return self.decode(row[0])


_session_reads: dict[str, str] = {}

"""Statements written once per process from the models' columns, for the few reads and writes that every request or
action runs (issue #8: the ORM built them anew each time, and that was most of their cost).

Used by the session and user read (accounts.backends), the project read (projects.selectors.load_project), the
to-do duties (obligations.selectors), the profile currency check (policy.services) and the audit chain
(audit.services). Each keeps a ``PerDatabase`` of its statement object; the values read go through the same
converters as an ORM read, so the objects built are the ones the ORM would build.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from django.db import connections

T = TypeVar("T")


def model_columns(model, alias: str, connection) -> tuple[list[str], list[str], list[tuple | None]]:
    """The model's concrete fields: attribute names, qualified columns, and each one's converters (as the ORM's)."""
    quote = connection.ops.quote_name
    names, columns, converters = [], [], []
    for field in model._meta.concrete_fields:
        col = field.get_col(alias)
        names.append(field.attname)
        columns.append(f"{alias}.{quote(field.column)}")
        found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        converters.append((tuple(found), col) if found else None)
    return names, columns, converters


def converted(values, converters, connection) -> list:
    """``values`` of one row through ``converters`` (``model_columns``' third list, or a slice of it)."""
    values = list(values)
    for i, entry in enumerate(converters):
        if entry is not None:
            found, col = entry
            for converter in found:
                values[i] = converter(values[i], col, connection)
    return values


class PerDatabase(Generic[T]):
    """One statement object per database alias, built from that database's connection on first use (the SQL follows
    the models and the vendor, so a migration or a second database needs no edit)."""

    def __init__(self, factory: Callable[[object], T]):
        self.factory = factory
        self.built: dict[str, T] = {}

    def __call__(self, using: str) -> T:
        found = self.built.get(using)
        if found is None:
            found = self.built[using] = self.factory(connections[using])
        return found

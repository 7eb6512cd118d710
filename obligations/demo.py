"""Derive the demo province's obligations once every lifecycle demo has run (obligations is the last app)."""

from .services import recompute_obligations


def build():
    recompute_obligations()

"""Bounded limit/offset pagination for every list in the API.

django-ninja's LimitOffsetPagination leaves ``offset`` (and, by default, ``limit``) unbounded, so a fuzzed
``offset=99999999999999999999`` reached the database and failed there with a 500 (found by schemathesis,
SECURITY.md 21). Here both are bounded and documented in the OpenAPI schema, so such input is a 422 naming
the parameter."""

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination as NinjaLimitOffsetPagination

MAX_LIMIT = 1000
MAX_OFFSET = 1_000_000_000


class LimitOffsetPagination(NinjaLimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(100, ge=1, le=MAX_LIMIT, description=f"每页条数，1–{MAX_LIMIT}")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="跳过的条数")

    def __init__(self, max_limit: int = MAX_LIMIT, **kwargs):
        super().__init__(max_limit=max_limit, **kwargs)

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Schema


class ErrorItem(Schema):
    field: str
    message: str


class Error(Schema):
    detail: list[ErrorItem]


class CitationOut(Schema):
    article: int
    paragraph: int | None = None
    item: int | None = None


class FindingOut(Schema):
    rule: str
    outcome: str
    message: str
    citation: CitationOut
    citation_label: str
    evidence: dict


class Refusal(Schema):
    detail: list[ErrorItem]
    findings: list[FindingOut] = []


class MeOut(Schema):
    username: str
    full_name: str
    organisation: str | None
    organisation_kind: str | None
    roles: list[str]


class ProjectOut(Schema):
    id: int
    number: str
    name: str
    unit: str = Field(alias="unit.name")
    year: int
    delivery_mode: str
    total_investment: Decimal
    stage: str
    approved_total_investment: Decimal | None
    approval_date: date | None
    version: int


class ProjectIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    year: int = Field(ge=2021, le=2100)
    delivery_mode: str
    total_investment: Decimal = Field(ge=0, max_digits=15, decimal_places=2)


class ArticleOut(Schema):
    number: int
    label: str
    chapter: int
    text: str


class AuditEventOut(Schema):
    seq: int
    at: datetime
    actor_name: str
    organisation_name: str
    action: str
    object_type: str
    object_id: str
    outcome: str
    before: dict
    after: dict
    findings: list


class ProfileOut(Schema):
    id: int
    key: str
    version: int
    name: str
    jurisdiction: str = Field(alias="jurisdiction.code")
    effective_from: date
    effective_to: date | None
    parameters: dict
    is_current: bool

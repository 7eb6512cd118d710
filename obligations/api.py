"""Obligations endpoints (/api/v1/obligations): the caller's visible obligations and the waiver."""

from datetime import date
from decimal import Decimal

from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from api.pagination import LimitOffsetPagination  # bounded limit/offset (SECURITY.md 21)
from api.schemas import Error, Refusal

from . import selectors, services
from .models import Obligation, ObligationKind, ObligationStatus

router = Router(tags=["obligations"])


class ObligationOut(Schema):
    id: int
    organisation: str
    project_id: int | None
    project_number: str | None
    kind: str
    kind_label: str
    title: str
    article: int
    paragraph: int | None
    item: int | None
    citation: str
    opens_on: date
    due_on: date | None
    status: str
    status_label: str
    done_on: date | None
    amount: Decimal | None
    waived_reason: str
    url: str

    @staticmethod
    def resolve_id(o):
        return o.pk

    @staticmethod
    def resolve_organisation(o):
        return o.organisation.name

    @staticmethod
    def resolve_project_number(o):
        return o.project.number if o.project_id else None

    @staticmethod
    def resolve_kind_label(o):
        return o.get_kind_display()

    @staticmethod
    def resolve_citation(o):
        return o.citation.label

    @staticmethod
    def resolve_status_label(o):
        return o.get_status_display()

    @staticmethod
    def resolve_url(o):
        return o.url


class ObligationFilter(Schema):
    status: ObligationStatus | None = None
    kind: ObligationKind | None = None
    year: int | None = Field(None, ge=1900, le=9999)  # a year outside date's range was a 500 (schemathesis, R21)
    q: str | None = None


class WaiveIn(Schema):
    reason: str = Field(min_length=1, max_length=1000)


@router.get("", response=list[ObligationOut])
@paginate(LimitOffsetPagination)
def list_obligations(request, filters: Query[ObligationFilter]):
    qs = selectors.filter_obligations(selectors.visible_obligations(request.user), status=filters.status or "",
                                      kind=filters.kind or "", year=filters.year, q=filters.q or "")
    return qs


@router.get("/{obligation_id}", response={200: ObligationOut, 404: Error})
def get_obligation(request, obligation_id: int):
    return selectors.get_obligation_for_user(request.user, obligation_id)


@router.post("/{obligation_id}/waive", response={200: ObligationOut, 403: Refusal, 404: Error, 409: Refusal,
                                                 422: Refusal})
def waive(request, obligation_id: int, payload: WaiveIn):
    obligation = services.waive_obligation(actor=request.user, obligation_id=obligation_id, reason=payload.reason)
    return Obligation.objects.select_related("organisation", "project").get(pk=obligation.pk)

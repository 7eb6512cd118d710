from datetime import datetime, time

from django.utils import timezone

from .models import AuditEvent

# What the search page shows (the API returns whole events).
PAGE_FIELDS = ("seq", "at", "actor_name", "roles", "organisation_name", "client_ip", "action", "object_label",
               "outcome", "findings", "request_id")


def search_events(*, project=None, organisation=None, actor=None, action=None, date_from=None, date_to=None,
                  before_seq=None, limit=50):
    """Whole events, newest first, keyset-paginated by ``seq`` so deep pages stay as fast as the first (no OFFSET,
    no COUNT)."""
    return list(_search(project=project, organisation=organisation, actor=actor, action=action, date_from=date_from,
                        date_to=date_to, before_seq=before_seq)[:limit])


def search_page(*, limit=50, **filters) -> list[dict]:
    """The same search for the page: only the columns it shows, as dicts (no model instances, no JSON decoding of
    before/after), which at 50 rows a page is a measurable part of its time."""
    return list(_search(**filters).values(*PAGE_FIELDS)[:limit])


def _search(*, project=None, organisation=None, actor=None, action=None, date_from=None, date_to=None,
            before_seq=None):
    """Each filter has an index that yields rows in ``seq`` order or narrows them first (audit.models.AuditEvent.Meta:
    project+seq, actor_name+seq, action prefix, at; organisation name: a trigram index on PostgreSQL), so a filter
    that matches few of ten million events does not walk the whole table."""
    qs = AuditEvent.objects.all()
    if project:
        qs = qs.filter(project__number=project) if not str(project).isdigit() else qs.filter(project_id=project)
    if organisation:
        qs = qs.filter(organisation_name__contains=organisation)
    if actor:
        qs = qs.filter(actor_name=actor)
    if action:
        qs = qs.filter(action__startswith=action)
    tz = timezone.get_current_timezone()
    if date_from:
        qs = qs.filter(at__gte=timezone.make_aware(datetime.combine(date_from, time.min), tz))
    if date_to:
        qs = qs.filter(at__lte=timezone.make_aware(datetime.combine(date_to, time.max), tz))
    if before_seq:
        qs = qs.filter(seq__lt=before_seq)
    return qs.order_by("-seq")

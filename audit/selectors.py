from datetime import datetime, time

from django.utils import timezone

from .models import AuditEvent


def search_events(*, project=None, organisation=None, actor=None, action=None, date_from=None, date_to=None,
                  before_seq=None, limit=50):
    """Newest first, keyset-paginated by ``seq`` so deep pages stay as fast as the first."""
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
    return list(qs.order_by("-seq")[:limit])

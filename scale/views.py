"""Bench-only reference views (issue #8). Mounted by config.urls only when settings.BENCH_VIEWS is on.

* ``hello``: the cheapest Django response (the floor for page latencies).
* ``lock_update_insert``: one transaction that locks a row, updates it and inserts an event: the floor for
  a lifecycle action (which adds session auth, permission, rules, audit chain and obligations on top).
"""

from django.db import transaction
from django.db.models import F
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .models import BenchCounter, BenchEvent

COUNTERS = 64


def hello(request):
    return HttpResponse("hello", content_type="text/plain")


@csrf_exempt  # a reference for raw write cost; the bench's real action goes through CSRF and the session
@require_POST
def lock_update_insert(request):
    try:
        n = int(request.GET.get("n", "0")) % COUNTERS + 1
    except ValueError:
        n = 1
    with transaction.atomic():
        counter, _ = BenchCounter.objects.select_for_update().get_or_create(pk=n)
        BenchCounter.objects.filter(pk=counter.pk).update(value=F("value") + 1)
        BenchEvent.objects.create(counter=counter, value=counter.value + 1)
    return JsonResponse({"ok": True, "counter": n})

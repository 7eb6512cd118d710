"""Tables used only by the bench's reference view (lock a row, update it, insert an event).

They hold nothing of the platform's business; the reference view that writes them is mounted only
when settings.BENCH_VIEWS is on (never in production, see config.production).
"""

from django.db import models


class BenchCounter(models.Model):
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "基准计数器（仅压测）"

    def __str__(self) -> str:
        return f"#{self.pk}={self.value}"


class BenchEvent(models.Model):
    counter = models.ForeignKey(BenchCounter, on_delete=models.CASCADE, related_name="events")
    value = models.BigIntegerField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "基准事件（仅压测）"

    def __str__(self) -> str:
        return f"#{self.counter_id}:{self.value}"

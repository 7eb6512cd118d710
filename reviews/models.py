"""Centralized review (第十七条), opinion requests (第二十二条), evaluation (第二十四条) and approval."""

from django.db import models


class OpinionRequest(models.Model):
    """A written opinion the DRC asks of one body before approval (第二十二条)."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="opinion_requests",
                                verbose_name="项目")
    body = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="opinion_requests",
                             verbose_name="征求意见部门")
    requested_at = models.DateTimeField("征求时间")
    due_date = models.DateField("答复期限")

    class Meta:
        verbose_name = verbose_name_plural = "征求意见"
        constraints = [models.UniqueConstraint(fields=["project", "body"], name="one_request_per_body")]

    def __str__(self) -> str:
        return f"{self.project} · {self.body}"

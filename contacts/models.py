"""Personal data the measures need (SECURITY.md R33): the project's 项目负责人 and 联系人 (第二十六条 项目负责人制),
and an account holder's mobile phone. ID and phone numbers are stored SM4-GCM encrypted (``EncryptedCharField``)."""

from django.conf import settings
from django.db import models

from gmcrypto.fields import EncryptedCharField


class ContactRole(models.TextChoices):
    RESPONSIBLE = "responsible", "项目负责人"
    CONTACT = "contact", "项目联系人"


class ProjectContact(models.Model):
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="contacts",
                                verbose_name="项目")
    role = models.CharField("身份", max_length=20, choices=ContactRole.choices)
    name = models.CharField("姓名", max_length=50)
    position = models.CharField("职务", max_length=100, blank=True)
    id_number = EncryptedCharField("身份证号", blank=True, plain_max_length=18)
    mobile = EncryptedCharField("手机号码", plain_max_length=11)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "项目负责人与联系人"
        constraints = [models.UniqueConstraint(fields=["project", "role"], name="contacts_one_per_role")]
        ordering = ["project_id", "role"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.name}"


class AccountMobile(models.Model):
    """The account holder's own mobile phone (for notices); the user edits it on the profile page."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mobile_record",
                                verbose_name="用户")
    mobile = EncryptedCharField("手机号码", plain_max_length=11)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "账号手机号码"

    def __str__(self) -> str:
        return f"{self.user} 的手机号码"

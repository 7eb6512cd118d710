"""The system catalogue (政务信息系统目录, 第九条): each project unit's information systems,
and the entries a project builds, upgrades or integrates.

第九条：“项目单位应加强已有信息系统整合，完善本部门（单位）政务信息系统目录并及时更新。
未纳入系统目录管理的项目，不安排自行建设、购买服务和运维经费。”
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator, RegexValidator
from django.db import models


class SystemStatus(models.TextChoices):
    PLANNED = "planned", "规划中"
    IN_CONSTRUCTION = "in_construction", "建设中"
    RUNNING = "running", "运行中"
    RETIRED = "retired", "已停用"


STATUS_TONES = {SystemStatus.PLANNED: "blue", SystemStatus.IN_CONSTRUCTION: "teal",
                SystemStatus.RUNNING: "green", SystemStatus.RETIRED: "grey"}


class Network(models.TextChoices):
    EGOV_INTRANET = "egov_intranet", "电子政务内网"
    EGOV_EXTRANET = "egov_extranet", "电子政务外网"
    INTERNET = "internet", "互联网"


class MlpsLevel(models.IntegerChoices):
    """网络安全等级保护级别. A non-classified system always has one (0 while not yet graded);
    a classified system is under 分级保护 instead and has none (NULL, shown as “不适用”)."""

    NOT_GRADED = 0, "未定级"
    LEVEL_1 = 1, "第一级"
    LEVEL_2 = 2, "第二级"
    LEVEL_3 = 3, "第三级"
    LEVEL_4 = 4, "第四级"
    LEVEL_5 = 5, "第五级"


MLPS_NOT_APPLICABLE_LABEL = "不适用"

# Limits shared by the form, the API and the Excel import.
NAME_MAX = 100
CODE_MAX = 60
TEXT_MAX = 2000

MSG_CLASSIFIED_INTERNET = "涉密信息系统不得连接互联网，网络只能是电子政务内网或电子政务外网"
MSG_MLPS_REQUIRED = "非涉密信息系统须填写等保级别（尚未定级的填“未定级”）"
MSG_MLPS_CLASSIFIED = "涉密信息系统实行分级保护，等保级别应为“不适用”"


def cross_field_errors(*, is_classified: bool, network: str, mlps_level: int | None) -> dict[str, str]:
    """The checks between fields that every write path applies (form, API, import); field → message."""
    errors = {}
    if is_classified and network == Network.INTERNET:
        errors["network"] = MSG_CLASSIFIED_INTERNET
    if is_classified and mlps_level is not None:
        errors["mlps_level"] = MSG_MLPS_CLASSIFIED
    elif not is_classified and mlps_level is None:
        errors["mlps_level"] = MSG_MLPS_REQUIRED
    return errors


class InformationSystem(models.Model):
    """One entry of a unit's 政务信息系统目录."""

    unit = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="information_systems",
                             verbose_name="所属单位")
    code = models.CharField("系统编号", max_length=CODE_MAX, validators=[RegexValidator(
        r"^[A-Za-z0-9][A-Za-z0-9_.\-]*\Z", "系统编号只能由字母、数字和“-”“_”“.”组成，以字母或数字开头")])
    # NUL cannot be stored in PostgreSQL text: refused as input on every write path.
    name = models.CharField("系统名称", max_length=NAME_MAX, validators=[ProhibitNullCharactersValidator()])
    purpose = models.TextField("建设目的和主要功能", max_length=TEXT_MAX,
                               validators=[MaxLengthValidator(TEXT_MAX), ProhibitNullCharactersValidator()])
    status = models.CharField("状态", max_length=20, choices=SystemStatus.choices, default=SystemStatus.PLANNED,
                              db_index=True)
    on_government_cloud = models.BooleanField("部署在省级政务云", default=False)
    network = models.CharField("网络", max_length=20, choices=Network.choices)
    is_classified = models.BooleanField("涉密", default=False)
    mlps_level = models.PositiveSmallIntegerField("等保级别", choices=MlpsLevel.choices, null=True, blank=True)
    connected_to_sharing_platform = models.BooleanField("接入数据共享交换平台", default=False)
    connected_to_service_platform = models.BooleanField("接入一体化政务服务平台", default=False)
    connected_to_unified_office_platform = models.BooleanField("接入统一协同办公平台", default=False)
    data_resources = models.TextField("掌握的数据资源", max_length=TEXT_MAX, blank=True,
                                      validators=[MaxLengthValidator(TEXT_MAX), ProhibitNullCharactersValidator()])
    retired_at = models.DateTimeField("停用时间", null=True, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    # Optimistic concurrency for edits (SECURITY.md 36).
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = verbose_name_plural = "政务信息系统"
        ordering = ["unit__code", "code"]
        indexes = [models.Index(fields=["unit", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="catalogue_system_name_unique_per_unit",
                                    violation_error_message="本单位目录中已有同名的信息系统"),
            models.UniqueConstraint(fields=["unit", "code"], name="catalogue_system_code_unique_per_unit",
                                    violation_error_message="本单位目录中已有相同编号的信息系统"),
            models.CheckConstraint(condition=models.Q(mlps_level__isnull=True) | models.Q(mlps_level__lte=5),
                                   name="catalogue_mlps_level_0_to_5"),
            models.CheckConstraint(
                condition=models.Q(is_classified=True, mlps_level__isnull=True)
                | models.Q(is_classified=False, mlps_level__isnull=False),
                name="catalogue_mlps_only_for_non_classified"),
            models.CheckConstraint(condition=~models.Q(is_classified=True, network="internet"),
                                   name="catalogue_classified_not_on_internet"),
            models.CheckConstraint(condition=~models.Q(status="retired") | models.Q(retired_at__isnull=False),
                                   name="catalogue_retired_has_date"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self):
        errors = cross_field_errors(is_classified=self.is_classified, network=self.network,
                                    mlps_level=self.mlps_level)
        if errors:
            raise ValidationError(errors)

    @property
    def status_tone(self) -> str:
        return STATUS_TONES[self.status]

    @property
    def mlps_label(self) -> str:
        return MLPS_NOT_APPLICABLE_LABEL if self.mlps_level is None else MlpsLevel(self.mlps_level).label

    @property
    def is_retired(self) -> bool:
        return self.status == SystemStatus.RETIRED


class Relation(models.TextChoices):
    BUILD = "build", "新建"
    UPGRADE = "upgrade", "升级改造"
    INTEGRATE = "integrate", "整合"


class ProjectSystemLink(models.Model):
    """A catalogue entry a project builds, upgrades or integrates (第九条: a project inside the catalogue).

    Build and upgrade name the project unit's own entries; integrate may also name
    another unit's running system (checked in ``catalogue.services.link_project_system``).
    """

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="system_links",
                                verbose_name="项目")
    system = models.ForeignKey(InformationSystem, on_delete=models.PROTECT, related_name="project_links",
                               verbose_name="信息系统")
    relation = models.CharField("关系", max_length=20, choices=Relation.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="关联人")
    created_at = models.DateTimeField("关联时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "项目关联的信息系统"
        ordering = ["project", "relation", "system__code"]
        constraints = [
            models.UniqueConstraint(fields=["project", "system"], name="catalogue_link_unique",
                                    violation_error_message="项目已关联该信息系统"),
        ]

    def __str__(self) -> str:
        return f"{self.project.number} {self.get_relation_display()} {self.system.code}"

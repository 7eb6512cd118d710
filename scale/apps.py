from django.apps import AppConfig


class ScaleConfig(AppConfig):
    """Data at scale (issue #8): the seeded generator and the bench-only reference views."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "scale"
    verbose_name = "规模测试"

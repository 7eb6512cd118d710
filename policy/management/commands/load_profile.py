from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from policy.parameters import ParameterError
from policy.profiles import parse_document
from policy.services import save_profile


class Command(BaseCommand):
    help = "校验并载入一个政策配置文件（YAML 或 JSON），例如市（州）依第五十三条制订的本地办法"

    def add_arguments(self, parser):
        parser.add_argument("path", help="配置文件路径")

    def handle(self, *args, path, **options):
        try:
            data = parse_document(Path(path).read_text(encoding="utf-8"))
            profile = save_profile(data, actor=None)
        except OSError as exc:
            raise CommandError(f"无法读取配置文件：{exc}") from exc
        except ParameterError as exc:
            raise CommandError(f"配置无效：{exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"已载入 {profile.version_label}：{profile.name}"))

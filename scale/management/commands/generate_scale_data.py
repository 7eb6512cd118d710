"""manage.py generate_scale_data --scale 1.0 --seed 42: the dataset of issue #8, through bulk paths."""

from django.core.management.base import BaseCommand, CommandError

from scale.generator import BENCH_PASSWORD, Generator, volumes


class Command(BaseCommand):
    help = "生成规模测试数据（默认“全省十年”：10 万个项目、1000 万条审计事件）；--scale 0.01 为快速运行"

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="数据规模，1.0 = 全省十年")
        parser.add_argument("--seed", type=int, default=42, help="随机种子：同一种子、同一规模生成相同的数据")
        parser.add_argument("--batch", type=int, default=5000, help="每批写入的行数")

    def handle(self, *args, scale, seed, batch, **options):
        if scale <= 0:
            raise CommandError("--scale 必须大于 0")
        planned = volumes(scale)
        self.stdout.write(f"计划：{planned['projects']:,} 个项目，{planned['audit_events']:,} 条审计事件，"
                          f"{planned['documents']:,} 条附件记录，{planned['systems']:,} 个目录系统")
        try:
            report = Generator(scale=scale, seed=seed, batch=batch, log=self.stdout.write).run()
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(f"生成账号的密码（仅用于压测）：{BENCH_PASSWORD}")

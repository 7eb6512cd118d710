"""manage.py verify_decision_signatures [--kind approval|acceptance|scoring]: exit status 1 if any fails."""

from django.core.management.base import BaseCommand, CommandError

from gmcrypto.models import DecisionKind
from gmcrypto.signing import verify_all


class Command(BaseCommand):
    help = "验证批复、验收、评标决定的 SM2 签名（SECURITY.md R34）"

    def add_arguments(self, parser):
        parser.add_argument("--kind", choices=DecisionKind.values)

    def handle(self, *args, kind=None, **options):
        results = verify_all(kind)
        failed = [r for r in results if not r.ok]
        for r in results:
            s = r.signature
            line = f"{s.get_kind_display()} {s.object_label} 签名于 {s.signed_at:%Y-%m-%d %H:%M:%S%z} 公钥 {s.public_key_id}"
            if r.ok:
                self.stdout.write(f"通过  {line}")
            else:
                self.stdout.write(f"失败  {line}：{'；'.join(r.problems)}")
        self.stdout.write(f"共 {len(results)} 个决定，{len(failed)} 个验证失败。")
        if failed:
            raise CommandError(f"{len(failed)} 个决定的签名验证失败")

"""manage.py generate_sm2_key: print a fresh SM2 key pair (hex) to put in the key files. Nothing is stored."""

import secrets

from django.core.management.base import BaseCommand

from gmcrypto.provider import SM2_CURVE, sm2_public_key_from_private


class Command(BaseCommand):
    help = "生成 SM2 密钥对与 SM4 密钥（十六进制），写入数据库以外的密钥文件"

    def handle(self, *args, **options):
        n = int(SM2_CURVE["n"], 16)
        private = f"{secrets.randbelow(n - 2) + 1:064x}"
        self.stdout.write(f"SM2_PRIVATE_KEY={private}")
        self.stdout.write(f"SM2_PUBLIC_KEY={sm2_public_key_from_private(private)}")
        self.stdout.write(f"SM4_KEY={secrets.token_hex(16)}")

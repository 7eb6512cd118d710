"""System checks (``manage.py check --deploy``): loud warnings when national-crypto keys are development defaults."""

from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def national_crypto_keys(app_configs, **kwargs):
    from .provider import key_configuration

    config = key_configuration()
    problems = []
    if config["sm4_is_dev_default"]:
        problems.append(
            Warning(
                "SM4_KEY 未配置：个人信息加密使用由 SECRET_KEY 派生的开发密钥。",
                hint="以环境变量 SM4_KEY 或 SM4_KEY_FILE（数据库以外的文件）提供 32 位十六进制密钥；见 docs/admin-guide.md。",
                id="gmcrypto.W001",
            )
        )
    if config["sm2_is_dev_default"]:
        problems.append(
            Warning(
                "SM2_PRIVATE_KEY 未配置：决定签名使用由 SECRET_KEY 派生的开发密钥。",
                hint="以环境变量 SM2_PRIVATE_KEY 或 SM2_PRIVATE_KEY_FILE 提供 64 位十六进制私钥；见 docs/admin-guide.md。",
                id="gmcrypto.W002",
            )
        )
    return problems

"""National cryptography (SECURITY.md R32–R34): the provider's known answers, encrypted personal data, signed decisions.

Known-answer vectors: SM3 from GB/T 32905-2016 附录 A; SM4 from GB/T 32907-2016 附录 A (A.1 and the 1,000,000-round
A.2); SM4-GCM from RFC 8998 附录 A.1; SM2 from the recommended-curve signature example (GM/T 0003.5-2012 /
GB/T 32918.5-2017: d = 3945208F…, ID "1234567812345678", M = "message digest", fixed k = 59276E27…).
"""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.urls import reverse

from accounts.models import Role
from audit.models import AuditEvent
from contacts import services as contact_services
from contacts.models import AccountMobile, ProjectContact
from contacts.validators import (
    id_check_character,
    id_number_problem,
    mask_id_number,
    mask_mobile,
    mobile_problem,
)
from gmcrypto import provider as gp
from gmcrypto.checks import national_crypto_keys
from gmcrypto.models import DecisionKind, DecisionSignature
from gmcrypto.signing import canonical_form, latest_signature, verify_all, verify_signature
from projects.services import transition_project
from tests import factories

KEY = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")

# A valid 公民身份号码 built with the GB 11643 check character (address 510104 = 成都市锦江区).
ID_17 = "51010419900307123"
ID_NUMBER = ID_17 + id_check_character(ID_17)
MOBILE = "13812345678"


# --- R32: the provider -------------------------------------------------------------------------


def test_r32_sm3_known_answers_gbt32905():
    p = gp.get_provider()
    assert p.sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert p.sm3(b"abcd" * 16).hex() == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    # An independent implementation (gmssl's pure-Python SM3) agrees on other lengths.
    from gmssl import sm3 as gm_sm3

    for message in (b"", b"x" * 55, b"y" * 56, b"z" * 1000):
        assert p.sm3(message).hex() == gm_sm3.sm3_hash(list(message))


def test_r32_sm4_known_answers_gbt32907_single_and_million_rounds():
    encryptor = Cipher(algorithms.SM4(KEY), modes.ECB()).encryptor()
    assert encryptor.update(KEY).hex() == "681edf34d206965e86b3e94f536e4246"
    block = KEY
    for _ in range(1_000_000):
        block = encryptor.update(block)
    assert block.hex() == "595298c7c6fd271f0402f804c33d3f66"


def test_r32_sm4_gcm_rfc8998_vector_and_tamper_detection():
    software = gp.SoftwareCryptoProvider(sm4_key=KEY, sm2_private_key="01" * 32)
    plaintext = bytes.fromhex("AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
                              "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA")
    aad = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
    nonce = bytes.fromhex("00001234567800000000ABCD")
    blob = software.sm4_gcm_encrypt(plaintext, aad, nonce=nonce)
    assert blob[:12] == nonce
    assert blob[12:-16].hex().upper() == (
        "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
        "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D")
    assert blob[-16:].hex().upper() == "83DE3541E4C2B58177E065A9BF7B62EC"
    assert software.sm4_gcm_decrypt(blob, aad) == plaintext
    with pytest.raises(gp.CryptoError, match="密钥错误或密文被篡改"):
        software.sm4_gcm_decrypt(blob, aad + b"!")
    altered = bytearray(blob)
    altered[20] ^= 1
    with pytest.raises(gp.CryptoError):
        software.sm4_gcm_decrypt(bytes(altered), aad)
    # A fresh nonce per value: the same plaintext twice gives two different blobs.
    assert software.sm4_gcm_encrypt(b"same") != software.sm4_gcm_encrypt(b"same")


SM2_D = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8"
SM2_PUBLIC = ("09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
              "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13")
SM2_K = "59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21"
SM2_R = "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
SM2_S = "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"


def test_r32_sm2_standard_example_on_the_recommended_curve():
    # gmssl's curve table is the recommended curve of GB/T 32918.5-2017.
    from gmssl.sm2 import default_ecc_table

    assert {k: v.upper() for k, v in default_ecc_table.items() if k != "g"} == {
        k: gp.SM2_CURVE[k] for k in ("n", "p", "a", "b")}
    assert default_ecc_table["g"].upper() == gp.SM2_CURVE["g"]
    assert gp.sm2_public_key_from_private(SM2_D) == SM2_PUBLIC  # x starts with 09: gmssl's lstrip bug is avoided
    signature = gp.sm2_sign_raw(SM2_D, b"message digest", k_hex=SM2_K)
    assert signature.hex().upper() == SM2_R + SM2_S
    # The provider passes the public key it derived once: the same signature (Z_A is computed from it).
    assert gp.sm2_sign_raw(SM2_D, b"message digest", k_hex=SM2_K, public_hex=SM2_PUBLIC) == signature
    standard = bytes.fromhex(SM2_R + SM2_S)
    assert gp.sm2_verify_raw(SM2_PUBLIC, b"message digest", standard)
    assert gp.sm2_verify_raw("04" + SM2_PUBLIC, b"message digest", standard)
    assert not gp.sm2_verify_raw(SM2_PUBLIC, b"message digesT", standard)
    assert not gp.sm2_verify_raw(SM2_PUBLIC, b"message digest", standard[:-1] + bytes([standard[-1] ^ 1]))
    assert not gp.sm2_verify_raw(SM2_PUBLIC, b"message digest", b"\x00" * 64)  # r = 0 is refused (B1)


def test_r32_sm2_tabulated_base_multiplication_agrees_with_gmssl():
    """gmcrypto.sm2 signs with a table of G's multiples; gmssl (another implementation) is the reference."""
    import random

    from gmssl import sm2 as gmssl_sm2

    from gmcrypto import sm2

    reference = gmssl_sm2.CryptSM2(private_key=None, public_key="00" * 64, ecc_table=gp._gmssl_table())
    rng = random.Random(20211005)
    scalars = [1, 2, 15, 16, 17, 255, 256, 16 ** 63, 15 * 16 ** 63, sm2.N - 1, sm2.N - 2, (sm2.N - 1) // 2]
    scalars += [rng.randrange(1, sm2.N) for _ in range(12)]
    for k in scalars:
        x, y = sm2.base_multiply(k)
        assert f"{x:064x}{y:064x}" == reference._kg(k, gp.SM2_CURVE["g"].lower()), k
    for bad in (0, sm2.N):
        with pytest.raises(ValueError):
            sm2.base_multiply(bad)
    # Signatures under random keys verify with gmssl's verifier, and not once the message changes.
    for _ in range(4):
        private = f"{rng.randrange(1, sm2.N - 1):064X}"
        public = gp.sm2_public_key_from_private(private)
        signature = gp.sm2_sign_raw(private, "批复 ¥1,234.56".encode(), public_hex=public)
        assert gp.sm2_verify_raw(public, "批复 ¥1,234.56".encode(), signature)
        assert not gp.sm2_verify_raw(public, "批复 ¥1,234.57".encode(), signature)


def test_r32_sm2_sign_then_verify_with_random_k():
    p = gp.get_provider()
    first, second = p.sm2_sign(b"decision"), p.sm2_sign(b"decision")
    assert first != second  # a fresh k each time
    assert p.sm2_verify(b"decision", first) and p.sm2_verify(b"decision", second)
    assert not p.sm2_verify(b"decisioN", first)
    assert not p.sm2_verify(b"decision", first, public_key=SM2_PUBLIC)  # someone else's key


def _hmac_by_definition(key: bytes, data: bytes) -> bytes:
    """HMAC (GB/T 15852.2-2012 / RFC 2104) written out with SM3 and its 64-byte block."""
    if len(key) > 64:
        key = gp.sm3_bytes(key)
    key = key.ljust(64, b"\x00")
    inner = gp.sm3_bytes(bytes(b ^ 0x36 for b in key) + data)
    return gp.sm3_bytes(bytes(b ^ 0x5C for b in key) + inner)


@pytest.mark.parametrize("key", [b"", b"k", b"\x0b" * 20, b"K" * 64, b"L" * 65, bytes(range(200))])
def test_r32_hmac_sm3_matches_the_hmac_definition(key):
    p = gp.get_provider()
    for data in (b"", b"Hi There", b"abc" * 100):
        assert p.hmac_sm3(key, data) == _hmac_by_definition(key, data)
    assert p.mac_with("hmac-sm3", key, b"x") == _hmac_by_definition(key, b"x").hex()


def test_r32_the_switch_chooses_sm3_or_sha256_and_old_values_still_verify(settings):
    settings.NATIONAL_CRYPTO = False
    p = gp.get_provider()
    assert (p.digest_algorithm, p.mac_algorithm) == ("sha256", "hmac-sha256")
    stored_algorithm, stored = p.digest_algorithm, p.digest(b"abc")
    assert stored == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    stored_mac = p.mac(b"key", b"abc")
    settings.NATIONAL_CRYPTO = True
    assert gp.national_crypto_enabled()
    p = gp.get_provider()
    assert (p.digest_algorithm, p.mac_algorithm) == ("sm3", "hmac-sm3")
    assert p.digest(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert p.mac(b"key", b"abc") == _hmac_by_definition(b"key", b"abc").hex()
    assert p.digest_with(stored_algorithm, b"abc") == stored  # a value stored before the switch
    assert p.mac_with("hmac-sha256", b"key", b"abc") == stored_mac
    with pytest.raises(ValueError, match="未知的摘要算法"):
        p.digest_with("md5", b"abc")


def test_r32_the_cipher_machine_adapter_refuses_clearly_until_configured(settings):
    settings.CRYPTO_PROVIDER = "gmcrypto.provider.CipherMachineProvider"
    p = gp.get_provider()
    assert isinstance(p, gp.CipherMachineProvider)
    with pytest.raises(NotImplementedError, match="密码机未配置.*CRYPTO_MACHINE_SDF_LIBRARY"):
        p.sm4_gcm_encrypt(b"x")
    with pytest.raises(NotImplementedError, match="密码机未配置"):
        p.sm2_sign(b"x")
    settings.CRYPTO_MACHINE_SDF_LIBRARY = "/opt/vendor/libsdf.so"
    with pytest.raises(NotImplementedError, match="已配置 /opt/vendor/libsdf.so.*GM/T 0018"):
        gp.get_provider().sm3(b"x")
    settings.CRYPTO_PROVIDER = "gmcrypto.provider.SoftwareCryptoProvider"
    assert gp.get_provider().sm3(b"abc").hex().startswith("66c7f0f4")


def test_r32_keys_come_from_the_environment_or_key_files_and_dev_keys_are_flagged(settings, tmp_path, monkeypatch):
    for name in ("SM4_KEY", "SM4_KEY_FILE", "SM2_PRIVATE_KEY", "SM2_PRIVATE_KEY_FILE", "SM2_PUBLIC_KEY"):
        monkeypatch.delenv(name, raising=False)
    warnings = {w.id for w in national_crypto_keys(None)}
    assert warnings == {"gmcrypto.W001", "gmcrypto.W002"}
    dev_id = gp.get_provider().sm4_key_id
    key_file = tmp_path / "sm4.key"
    key_file.write_text("00112233445566778899aabbccddeeff\n")
    settings.SM4_KEY_FILE = str(key_file)
    monkeypatch.setenv("SM2_PRIVATE_KEY", SM2_D)
    p = gp.get_provider()
    assert p.sm4_key_id == gp.key_id(bytes.fromhex("00112233445566778899aabbccddeeff"), "sm4") != dev_id
    assert p.sm2_public_key == SM2_PUBLIC
    assert national_crypto_keys(None) == []
    monkeypatch.setenv("SM2_PUBLIC_KEY", "04" + SM2_PUBLIC[:-1] + "4")
    with pytest.raises(gp.CryptoError, match="SM2_PUBLIC_KEY 与 SM2_PRIVATE_KEY 不匹配"):
        gp.get_provider()
    monkeypatch.delenv("SM2_PUBLIC_KEY")
    settings.SM4_KEY_FILE = str(tmp_path / "missing.key")
    with pytest.raises(gp.CryptoError, match="无法读取密钥文件 SM4_KEY_FILE"):
        gp.get_provider()


# --- R33: personal data ------------------------------------------------------------------------


def test_r33_id_number_and_mobile_formats():
    assert id_number_problem(ID_NUMBER) is None
    assert id_number_problem("11010519491231002X") is None  # the standard's own example, check character X
    wrong_check = ID_17 + ("0" if ID_NUMBER[-1] != "0" else "1")
    assert "校验码错误" in id_number_problem(wrong_check)
    assert "18 位" in id_number_problem("51010419900307")
    assert "出生日期不存在" in id_number_problem("510104199002301234")
    assert mobile_problem("13812345678") is None and mobile_problem("+86 138-1234-5678") is None
    assert "11 位" in mobile_problem("1381234567")
    assert "第二位" in mobile_problem("12812345678")
    assert mask_id_number(ID_NUMBER) == "5101**********" + ID_NUMBER[-4:]
    assert mask_mobile("13812345678") == "138****5678"


@pytest.fixture
def submitted(filer_a, db):
    """A submitted project (so the portfolio bodies see it) with its 项目负责人 and 联系人."""
    project = factories.project(filer_a)
    with transaction.atomic():
        transition_project(actor=filer_a, project_id=project.pk, transition="submit", action="declaration.submitted")
    contact_services.contact_save(actor=filer_a, project_id=project.pk, role="responsible", name="张三",
                                  position="信息中心主任", id_number=ID_NUMBER, mobile=MOBILE)
    contact_services.contact_save(actor=filer_a, project_id=project.pk, role="contact", name="李四",
                                  mobile="13987654321")
    return project


def _raw(table: str, column: str, pk) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608 - test-only, fixed names
        return cursor.fetchone()[0]


def test_r33_the_raw_column_holds_no_plaintext_and_equal_values_encrypt_differently(submitted):
    responsible = ProjectContact.objects.get(project=submitted, role="responsible")
    raw_id, raw_mobile = _raw("contacts_projectcontact", "id_number", responsible.pk), _raw(
        "contacts_projectcontact", "mobile", responsible.pk)
    for raw, plain in ((raw_id, ID_NUMBER), (raw_mobile, MOBILE)):
        assert raw.startswith("sm4-gcm:sm4:")
        assert plain not in raw and plain[-4:] not in raw.split(":", 3)[1]
    assert raw_id.split(":")[1] + ":" + raw_id.split(":")[2] == gp.get_provider().sm4_key_id  # key id stored
    # The same mobile stored twice: two different ciphertexts (fresh nonce), one plaintext.
    other = ProjectContact.objects.get(project=submitted, role="contact")
    other.mobile = MOBILE
    other.save()
    assert _raw("contacts_projectcontact", "mobile", other.pk) != raw_mobile
    assert ProjectContact.objects.get(pk=other.pk).mobile == ProjectContact.objects.get(pk=responsible.pk).mobile
    # Nor does the audit trail hold the plaintext: only masked values.
    events = AuditEvent.objects.filter(action="contacts.contact_saved")
    assert events.count() == 2
    assert all(ID_NUMBER not in str(e.after) and MOBILE not in str(e.after) for e in events)
    assert "5101**********" in str(events.first().after) or "5101**********" in str(events.last().after)


def test_r33_a_wrong_key_or_a_moved_ciphertext_does_not_decrypt(submitted, settings):
    responsible = ProjectContact.objects.get(project=submitted, role="responsible")
    assert ProjectContact.objects.get(pk=responsible.pk).id_number == ID_NUMBER
    settings.SM4_KEY = "ffeeddccbbaa99887766554433221100"
    with pytest.raises(gp.CryptoError, match="找不到密钥"):
        ProjectContact.objects.get(pk=responsible.pk)
    # A wrong key that claims the stored key id: GCM's tag refuses it.
    raw = _raw("contacts_projectcontact", "id_number", responsible.pk)
    old_id = raw.split(":")[2]
    forged = raw.replace(old_id, gp.get_provider().sm4_key_id.split(":")[1])
    with connection.cursor() as cursor:
        cursor.execute("UPDATE contacts_projectcontact SET id_number = %s WHERE id = %s", [forged, responsible.pk])
    with pytest.raises(gp.CryptoError, match="密钥错误或密文被篡改"):
        ProjectContact.objects.get(pk=responsible.pk)
    # Back to the right key, but the mobile's ciphertext copied into the ID column: the AAD names the column.
    del settings.SM4_KEY
    with connection.cursor() as cursor:
        cursor.execute("UPDATE contacts_projectcontact SET id_number = %s WHERE id = %s",
                       [_raw("contacts_projectcontact", "mobile", responsible.pk), responsible.pk])
    with pytest.raises(gp.CryptoError):
        ProjectContact.objects.get(pk=responsible.pk)


def test_r33_bad_input_is_refused_with_the_field_and_rule_and_nothing_is_saved(submitted, filer_a, client_for):
    with pytest.raises(ValidationError) as exc:
        contact_services.contact_save(actor=filer_a, project_id=submitted.pk, role="responsible", name="王五",
                                      id_number=ID_17 + "0" if ID_NUMBER[-1] != "0" else ID_17 + "1",
                                      mobile="12345")
    assert "校验码错误" in exc.value.message_dict["id_number"][0]
    assert "11 位" in exc.value.message_dict["mobile"][0]
    assert ProjectContact.objects.get(project=submitted, role="responsible").name == "张三"
    response = client_for(filer_a).post(reverse("contacts:project", args=[submitted.pk]), {
        "role": "responsible", "name": "王五", "id_number": "51010419900307", "mobile": MOBILE})
    assert response.status_code == 400
    assert "身份证号应为 18 位" in response.content.decode()
    assert ProjectContact.objects.get(project=submitted, role="responsible").name == "张三"


def test_r33_roles_without_need_see_only_masked_values_on_pages_and_in_exports(
        submitted, filer_a, filer_b, drc_reviewer, auditor, client_for):
    page = client_for(filer_a).get(reverse("contacts:project", args=[submitted.pk])).content.decode()
    assert ID_NUMBER in page and MOBILE in page
    for viewer in (drc_reviewer, auditor):
        response = client_for(viewer).get(reverse("contacts:project", args=[submitted.pk]))
        assert response.status_code == 200
        body = response.content.decode()
        assert "张三" in body and mask_id_number(ID_NUMBER) in body and "138****5678" in body
        assert ID_NUMBER not in body and MOBILE not in body and "13987654321" not in body
        assert "<form" not in body.split("</h1>", 1)[1].split("导出")[0]
        export = client_for(viewer).get(reverse("contacts:export")).content.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(export)))
        assert rows[0][6:] == ["身份证号", "手机号码"]
        assert [r[3:] for r in rows[1:]] == [["项目联系人", "李四", "", "", "139****4321"],
                                             ["项目负责人", "张三", "信息中心主任", mask_id_number(ID_NUMBER), "138****5678"]]
        assert ID_NUMBER not in export and MOBILE not in export
    own_export = client_for(filer_a).get(reverse("contacts:export")).content.decode("utf-8-sig")
    assert ID_NUMBER in own_export and MOBILE in own_export
    # Another unit sees neither the project nor its contacts; a reviewer cannot write them.
    assert client_for(filer_b).get(reverse("contacts:project", args=[submitted.pk])).status_code == 404
    assert "张三" not in client_for(filer_b).get(reverse("contacts:export")).content.decode("utf-8-sig")
    refused = client_for(drc_reviewer).post(reverse("contacts:project", args=[submitted.pk]), {
        "role": "contact", "name": "赵六", "mobile": MOBILE})
    assert refused.status_code == 403
    assert not ProjectContact.objects.filter(name="赵六").exists()


def test_r33_the_account_holders_mobile_is_encrypted_and_shown_only_to_them(filer_a, drc_reviewer, client_for):
    response = client_for(filer_a).post(reverse("contacts:my_mobile"), {"mobile": "13712345678"})
    assert response.status_code == 302
    record = AccountMobile.objects.get(user=filer_a)
    assert "13712345678" not in _raw("contacts_accountmobile", "mobile", record.pk)
    assert "13712345678" in client_for(filer_a).get(reverse("contacts:my_mobile")).content.decode()
    from contacts.selectors import mobile_for_display

    assert mobile_for_display(drc_reviewer, filer_a) == "137****5678"
    bad = client_for(filer_a).post(reverse("contacts:my_mobile"), {"mobile": "1371234"})
    assert bad.status_code == 400 and "手机号码应为 11 位" in bad.content.decode()
    assert AccountMobile.objects.get(user=filer_a).mobile == "13712345678"


# --- R34: signed decisions -----------------------------------------------------------------------


def test_r34_canonical_form_is_sorted_json_with_decimal_strings_and_iso_dates():
    text = canonical_form({"b": Decimal("1.50"), "a": date(2026, 1, 2), "c": "批复"})
    assert text == '{"a":"2026-01-02","b":"1.50","c":"批复"}'


def _approved_through_reviews(filer_a):
    from tests.test_approval import approve, ready_for_approval
    from tests.test_reviews import listed

    project = listed(factories.project(filer_a, name="全省教育数据共享平台", total_investment="18000000.00"))[0]
    ready_for_approval(project)
    return approve(project)


def test_r34_the_approval_is_signed_and_altering_it_in_the_database_breaks_verification(
        filer_a, auditor, drc_reviewer, client_for):
    approval = _approved_through_reviews(filer_a)
    page = client_for(auditor).get(reverse("gmcrypto:signatures")).content.decode()
    assert "全部 1 个决定验证通过" in page and f"reviews.approval:{approval.pk}" in page
    signature = latest_signature(DecisionKind.APPROVAL, approval)
    assert signature is not None and signature.algorithm == "sm2-sm3"
    assert '"approved_total_investment":"17500000.00"' in signature.canonical_text
    assert signature.public_key_id == gp.get_provider().sm2_key_id
    assert verify_signature(signature).ok
    call_command("verify_decision_signatures", stdout=io.StringIO())
    # Someone with database access raises the approved total by one fen.
    type(approval).objects.filter(pk=approval.pk).update(approved_total_investment=Decimal("17500000.01"))
    result = verify_signature(signature)
    assert not result.ok
    assert result.problems == ["数据库中的决定与签名时不一致：approved_total_investment"]
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 个决定的签名验证失败"):
        call_command("verify_decision_signatures", stdout=out)
    assert "失败" in out.getvalue() and "approved_total_investment" in out.getvalue()
    page = client_for(auditor).get(reverse("gmcrypto:signatures")).content.decode()
    assert "1 个决定的签名验证失败" in page
    assert "数据库中的决定与签名时不一致：approved_total_investment" in page
    assert client_for(drc_reviewer).get(reverse("gmcrypto:signatures")).status_code == 403


def test_r34_changing_one_byte_of_the_canonical_text_or_signature_or_the_key_breaks_verification(filer_a):
    approval = _approved_through_reviews(filer_a)
    signature = latest_signature(DecisionKind.APPROVAL, approval)
    original = DecisionSignature.objects.filter(pk=signature.pk)
    text = signature.canonical_text
    original.update(canonical_text=text.replace("18", "19", 1) if "18" in text else text + " ")
    assert not verify_signature(DecisionSignature.objects.get(pk=signature.pk)).ok
    original.update(canonical_text=text)
    assert verify_signature(DecisionSignature.objects.get(pk=signature.pk)).ok
    flipped = signature.signature[:-1] + ("0" if signature.signature[-1] != "0" else "1")
    original.update(signature=flipped)
    assert "SM2 签名验证失败（签名值或规范文本被改动）" in verify_signature(
        DecisionSignature.objects.get(pk=signature.pk)).problems
    # A forger re-signs an altered decision with their own key: the key is not one the platform trusts.
    forged_text = text.replace("17500000.00", "27500000.00")
    forged = gp.sm2_sign_raw(SM2_D, forged_text.encode())
    original.update(canonical_text=forged_text, signature=forged.hex(), public_key=SM2_PUBLIC,
                    canonical_digest=gp.digest_with("sm3", forged_text.encode()),
                    public_key_id=gp.key_id(bytes.fromhex(SM2_PUBLIC), "sm2"))
    type(approval).objects.filter(pk=approval.pk).update(approved_total_investment=Decimal("27500000.00"))
    problems = verify_signature(DecisionSignature.objects.get(pk=signature.pk)).problems
    assert problems == [f"公钥 {gp.key_id(bytes.fromhex(SM2_PUBLIC), 'sm2')} 不是平台信任的签名公钥"]


def test_r34_the_acceptance_conclusion_is_signed(filer_a, office_reviewer, drc_reviewer):
    from delivery import services as delivery_services
    from tests.test_delivery import ALL_MATERIALS, approve, build, on, run_trial

    factories.user("head_a", filer_a.organisation, Role.UNIT_HEAD)
    project = approve(factories.project(filer_a), filer_a, office_reviewer, drc_reviewer)
    build(project, filer_a)
    run_trial(project, filer_a)
    with on(date(2026, 3, 1)):
        delivery_services.apply_for_acceptance(actor=filer_a, project_id=project.pk, materials=ALL_MATERIALS)
    with on(date(2026, 3, 20)):
        application = delivery_services.acceptance_decide(actor=drc_reviewer, project_id=project.pk, passed=True,
                                                          opinion="验收合格")
    signature = latest_signature(DecisionKind.ACCEPTANCE, application)
    assert '"opinion":"验收合格"' in signature.canonical_text
    assert '"decided_on":"2026-03-20"' in signature.canonical_text
    assert verify_signature(signature).ok
    type(application).objects.filter(pk=application.pk).update(opinion="验收不合格")
    assert verify_signature(signature).problems == ["数据库中的决定与签名时不一致：opinion"]


def test_r34_the_bid_evaluation_is_signed_and_a_re_evaluation_supersedes_it(filer_a):
    from funding import services as funding_services
    from funding.models import Bid
    from tests.test_procurement import approved_project, tender

    project = approved_project(filer_a)
    procurement = tender(filer_a, project)
    funding_services.bid_add(actor=filer_a, procurement_id=procurement.pk, bidder="甲公司",
                             price=Decimal("800000.00"), scores={"技术": Decimal("90")})
    funding_services.bid_add(actor=filer_a, procurement_id=procurement.pk, bidder="乙公司",
                             price=Decimal("1000000.00"), scores={"技术": Decimal("95")})
    funding_services.procurement_evaluate(actor=filer_a, procurement_id=procurement.pk)
    first = latest_signature(DecisionKind.SCORING, procurement)
    assert '"bidder":"甲公司"' in first.canonical_text and '"rank":1' in first.canonical_text
    assert verify_signature(first).ok
    funding_services.bid_add(actor=filer_a, procurement_id=procurement.pk, bidder="丙公司",
                             price=Decimal("900000.00"), scores={"技术": Decimal("80")})
    funding_services.procurement_evaluate(actor=filer_a, procurement_id=procurement.pk)
    second = latest_signature(DecisionKind.SCORING, procurement)
    assert second.pk != first.pk and '"bidder":"丙公司"' in second.canonical_text
    assert [r.ok for r in verify_all(DecisionKind.SCORING)] == [True]
    # Swapping two bidders' totals in the database is caught.
    bid = Bid.objects.get(procurement=procurement, bidder="乙公司")
    Bid.objects.filter(pk=bid.pk).update(total=bid.total + Decimal("0.01"))
    assert verify_signature(second).problems == ["数据库中的决定与签名时不一致：bids"]

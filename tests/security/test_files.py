"""Files (SECURITY.md 26–31): what may be uploaded, where it is stored, how it is read back, what a rollback
leaves, reconciliation, and virus scanning through clamd. Security tests are named test_rNN_* (docs/security.md).

tests/test_documents.py covers the declaration documents' everyday paths; this file shows each requirement,
including the hostile cases (polyglots, zip bombs, rollback at any depth, an unreachable or reporting clamd).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import shutil
import socket
import socketserver
import struct
import subprocess  # nosec B404
import threading
import time
import zipfile
from pathlib import Path
from unittest.mock import patch

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.urls import get_resolver

from audit.models import AuditEvent
from declarations import documents, services
from declarations.models import Document
from delivery import archive
from delivery import services as delivery_services
from tests import factories
from tests.test_delivery import approve

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x11" * 40 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + b"\x00" * 17 + b"IEND\xaeB`\x82"
OLE2 = bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 504
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
ALLOWED = "只接受 PDF、OFD、DOC、DOCX、XLS、XLSX、JPG、PNG、ZIP 文件。"


def zipped(*members: tuple[str, bytes], compression=zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as z:
        for name, data in members:
            z.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def storage(settings, tmp_path):
    settings.STORAGE_DIR = tmp_path / "storage"
    return tmp_path / "storage"


@pytest.fixture
def project_a(filer_a):
    return factories.project(filer_a, name="甲单位项目")


def upload(actor, project, name, data, kind="implementation_plan"):
    f = SimpleUploadedFile(name, data)
    return services.document_upload(actor=actor, project_id=project.pk, kind=kind, name=name, size=f.size, fileobj=f)


def refusal(actor, project, name, data) -> str:
    with pytest.raises(ValidationError) as refused:
        upload(actor, project, name, data)
    return refused.value.message_dict["file"][0]


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --- R26: allowlist, content, sizes, archives ------------------------------------------------------

VALID = {
    "方案.pdf": PDF,
    "方案.ofd": zipped(("OFD.xml", b"<ofd:OFD/>")),
    "方案.doc": OLE2,
    "方案.docx": zipped(("word/document.xml", b"<w:document/>")),
    "预算.xls": OLE2,
    "预算.xlsx": zipped(("xl/workbook.xml", b"<workbook/>")),
    "照片.jpg": JPEG,
    "截图.png": PNG,
    "资料.zip": zipped(("说明.txt", "项目说明".encode())),
}


@pytest.mark.parametrize("name", sorted(VALID))
def test_r26_every_allowlisted_type_with_matching_content_is_accepted(filer_a, project_a, storage, name):
    document = upload(filer_a, project_a, name, VALID[name])
    assert document.original_name == name and document.size == len(VALID[name])
    assert [p.read_bytes() for p in files_under(storage)] == [VALID[name]]


@pytest.mark.parametrize(("name", "kind"), [("页面.html", "（HTML 网页）"), ("页面.htm", "（HTML 网页）"),
                                            ("图标.svg", "（SVG 图片）"), ("setup.exe", "（可执行程序）"),
                                            ("run.js", "（.js）"), ("说明.txt", "（.txt）"), ("README", "（没有扩展名）")])
def test_r26_anything_outside_the_allowlist_is_refused_and_named(filer_a, project_a, storage, name, kind):
    assert refusal(filer_a, project_a, name, PDF) == f"文件“{name}”的类型不允许上传{kind}：{ALLOWED}"
    assert files_under(storage) == [] and not Document.objects.exists()


@pytest.mark.parametrize("name", ["方案.pdf", "方案.docx", "图.png", "图.jpg", "资料.zip", "预算.xls"])
@pytest.mark.parametrize(("content", "really"), [(EXE, "Windows 可执行程序"), (ELF, "Linux 可执行程序")])
def test_r26_a_renamed_executable_is_refused_whatever_its_extension(filer_a, project_a, storage, name, content,
                                                                     really):
    ext = name.rsplit(".", 1)[1]
    assert refusal(filer_a, project_a, name, content) == \
        f"文件“{name}”的内容与扩展名 .{ext} 不符：文件实际是 {really}，不能上传。"
    assert files_under(storage) == []


def test_r26_html_and_svg_are_refused_even_under_an_allowed_name(filer_a, project_a):
    html = b"\xef\xbb\xbf  <!DOCTYPE html><html><script>alert(1)</script></html>"
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
    assert refusal(filer_a, project_a, "a.pdf", html) == "文件“a.pdf”的内容与扩展名 .pdf 不符：文件实际是 HTML 网页，不能上传。"
    assert refusal(filer_a, project_a, "a.jpg", svg) == "文件“a.jpg”的内容与扩展名 .jpg 不符：文件实际是 SVG 图片，不能上传。"


def test_r26_a_pdf_that_is_also_a_zip_is_refused(filer_a, project_a, storage):
    # A PDF header with a ZIP appended: PDF readers and unzip tools both open it, and the ZIP's members would
    # never have been checked.
    polyglot = PDF + zipped(("payload.exe", EXE))
    assert refusal(filer_a, project_a, "方案.pdf", polyglot) == \
        "文件“方案.pdf”的内容不止是 PDF：文件中还夹带了 ZIP 压缩包（多格式伪装文件），不能上传。"
    assert refusal(filer_a, project_a, "照片.jpg", JPEG + zipped(("a.txt", b"x"))) == \
        "文件“照片.jpg”的内容不止是 JPEG 图片：文件中还夹带了 ZIP 压缩包（多格式伪装文件），不能上传。"
    assert refusal(filer_a, project_a, "旧版.doc", OLE2 + zipped(("a.txt", b"x"))) == \
        "文件“旧版.doc”的内容不止是 Word 97-2003：文件中还夹带了 ZIP 压缩包（多格式伪装文件），不能上传。"
    assert files_under(storage) == []


@pytest.mark.parametrize(("name", "data", "marker"), [
    ("照片.jpg", JPEG + b"<script>fetch('/api/v1/')</script>", "<script>"),
    ("截图.png", PNG + b"\n<HTML><body onload=x()>", "<html>"),
    ("方案.pdf", PDF.replace(b"trailer", b"<iframe src=//evil>trailer"), "<iframe>"),
    ("照片.jpg", JPEG + b"<?php system($_GET['c']); ?>", "<?php>"),
])
def test_r26_a_pdf_or_image_carrying_html_or_script_is_refused(filer_a, project_a, storage, name, data, marker):
    kind = {"jpg": "JPEG 图片", "png": "PNG 图片", "pdf": "PDF"}[name.rsplit(".", 1)[1]]
    assert refusal(filer_a, project_a, name, data) == \
        f"文件“{name}”的内容不止是 {kind}：文件中夹带了网页或脚本代码（{marker}），不能上传。"
    assert files_under(storage) == []


def test_r26_markup_split_across_read_chunks_is_still_found(filer_a, project_a):
    data = PDF + b"\x00" * (documents.CHUNK - len(PDF) - 3) + b"<script>"  # "<sc" | "ript>" across the boundary
    assert "网页或脚本代码（<script>）" in refusal(filer_a, project_a, "方案.pdf", data)


def _declared_size_bomb() -> bytes:
    """A 150-byte zip whose central directory declares a 2 GB member: the "tiny file, huge declared size"
    bomb. The member's uncompressed-size field (offset 24 of the central directory header) is rewritten."""
    data = bytearray(zipped(("bomb.txt", b"x")))
    at = data.index(b"PK\x01\x02")
    data[at + 24: at + 28] = struct.pack("<L", 0x7FFFFFF0)
    return bytes(data)


def _real_bomb(size: int) -> bytes:
    """A genuine deflate bomb: `size` bytes of zeros packed into about two megabytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        with z.open("zeros.bin", "w", force_zip64=True) as member:
            block = b"\x00" * (1024 * 1024)
            for _ in range(size // len(block)):
                member.write(block)
    return buffer.getvalue()


def test_r26_a_zip_bomb_is_refused_from_the_central_directory_before_anything_is_unpacked(filer_a, project_a,
                                                                                          storage):
    tiny = _declared_size_bomb()
    real = _real_bomb(501 * 1024 * 1024)
    docx = _declared_size_bomb().replace(b"bomb.txt", b"word/doc")
    assert len(tiny) < 200 and len(real) < 3 * 1024 * 1024  # 501 MB declared
    # Nothing may be decompressed: opening or reading a member fails the test.
    with patch.object(zipfile.ZipFile, "open", side_effect=AssertionError("a member was unpacked")), \
            patch.object(zipfile.ZipFile, "read", side_effect=AssertionError("a member was read")):
        assert refusal(filer_a, project_a, "资料.zip", tiny) == \
            "文件“资料.zip”解压后大小为 2 GB，超过上限（解压后不超过 500 MB）。"
        assert refusal(filer_a, project_a, "方案.docx", docx) == \
            "文件“方案.docx”解压后大小为 2 GB，超过上限（解压后不超过 500 MB）。"
        assert refusal(filer_a, project_a, "资料.zip", real) == \
            "文件“资料.zip”解压后大小为 501 MB，超过上限（解压后不超过 500 MB）。"
    assert files_under(storage) == []


def test_r26_archive_limits_are_settings_checked_at_the_limit_and_one_past(filer_a, project_a, settings):
    settings.UPLOAD_ARCHIVE_MAX_ENTRIES = 3
    assert upload(filer_a, project_a, "三个.zip", zipped(*[(f"{i}.txt", b"x") for i in range(3)])).version == 1
    assert refusal(filer_a, project_a, "四个.zip", zipped(*[(f"{i}.txt", b"x") for i in range(4)])) == \
        "文件“四个.zip”包含 4 个文件，超过上限（压缩包内不超过 3 个文件）。"
    settings.UPLOAD_ARCHIVE_MAX_UNPACKED_BYTES = 10
    assert upload(filer_a, project_a, "十字节.zip", zipped(("a.txt", b"0123456789"))).version == 2
    assert refusal(filer_a, project_a, "十一字节.zip", zipped(("a.txt", b"0123456789A"))) == \
        "文件“十一字节.zip”解压后大小为 10 字节，超过上限（解压后不超过 10 字节）。".replace("为 10 字节", "为 11 字节")


@pytest.mark.parametrize("member", ["../../etc/cron.d/x", "..\\..\\windows\\x.dll", "/etc/passwd", "C:/boot.ini",
                                    "docs/../../x"])
def test_r26_absolute_and_dotdot_member_names_are_refused(filer_a, project_a, member):
    assert "包含不安全的路径" in refusal(filer_a, project_a, "资料.zip", zipped((member, b"x")))


def test_r26_size_limit_and_project_quota_are_settings(filer_a, project_a, settings):
    from django.conf import settings as live

    assert live.UPLOAD_MAX_BYTES == 100 * 1024 * 1024  # the default of SECURITY.md 26
    settings.UPLOAD_MAX_BYTES = len(PDF)
    assert upload(filer_a, project_a, "正好.pdf", PDF).size == len(PDF)
    assert refusal(filer_a, project_a, "多一字节.pdf", PDF + b"\n") == \
        f"文件“多一字节.pdf”大小为 {len(PDF) + 1} 字节，超过上限（单个文件不超过 {len(PDF)} 字节）。"
    settings.UPLOAD_MAX_BYTES = 100 * 1024 * 1024
    settings.UPLOAD_PROJECT_QUOTA_BYTES = 2 * len(PDF)
    upload(filer_a, project_a, "二.pdf", PDF)
    assert "本项目附件总量将超过上限" in refusal(filer_a, project_a, "三.pdf", PDF)


def test_r26_the_project_quota_counts_documents_and_archive_files_together(filer_a, office_reviewer, drc_reviewer,
                                                                           unit_a, settings, storage):
    from accounts.models import Role

    factories.user("head_a", unit_a, Role.UNIT_HEAD)
    settings.UPLOAD_PROJECT_QUOTA_BYTES = 2 * len(PDF)
    project = factories.project(filer_a)
    upload(filer_a, project, "实施方案.pdf", PDF)  # a declaration document while drafting
    approve(project, filer_a, office_reviewer, drc_reviewer)
    archive_file(filer_a, project, "一.pdf")  # exactly at the quota
    with pytest.raises(ValidationError) as refused:
        archive_file(filer_a, project, "二.pdf")
    assert refused.value.message_dict["file"] == [
        f"文件“二.pdf”上传后本项目附件总量将超过上限（每个项目不超过 {2 * len(PDF)} 字节），请压缩后再上传，或联系系统管理员。"]
    assert len(files_under(storage)) == 2


# --- R27: generated names, the storage root -------------------------------------------------------

HOSTILE = ["../../x", "..\\x", "/etc/passwd", "a\x00b.pdf", "甲" * 300 + ".pdf", "../" + "a" * 32 + ".pdf",
           "a" * 32 + ".pdf/../../../x", "A" * 32 + ".PDF", "a" * 32 + ".exe", "", ".", "..", "%2e%2e%2fx"]


@pytest.mark.parametrize("name", HOSTILE)
def test_r27_the_file_store_refuses_every_name_it_did_not_generate(storage, tmp_path, name):
    store = documents.FileStore("documents")
    with pytest.raises(ValueError):
        store.path_of(name)
    with pytest.raises(ValueError):
        store.write(name, io.BytesIO(PDF))
    store.remove(name)  # quietly does nothing
    assert store.digest_of(name) is None
    assert files_under(tmp_path) == []


def test_r27_generated_names_are_random_hex_inside_the_root(storage):
    names = {documents.new_stored_name(documents.FILE_TYPES["pdf"]) for _ in range(50)}
    assert len(names) == 50 and all(len(n) == 36 and n.endswith(".pdf") for n in names)
    root = documents.storage_root()
    assert all(documents.path_of(n).parent.parent == root for n in names)


@pytest.mark.parametrize(("name", "shown"), [
    ("../../x.pdf", "x.pdf"), ("..\\..\\x.pdf", "x.pdf"), ("/etc/passwd.pdf", "passwd.pdf"),
    ("C:\\Windows\\x.pdf", "x.pdf"), ("报告\u202egpj.pdf", "报告gpj.pdf"), ("方案\r\n.pdf", "方案.pdf"),
    ("甲" * 300 + ".pdf", "甲" * 196 + ".pdf"),
])
def test_r27_hostile_upload_names_stay_inside_the_root_and_are_sanitised_for_display(filer_a, project_a, storage,
                                                                                      tmp_path, name, shown):
    document = upload(filer_a, project_a, name, PDF)
    assert document.original_name == shown
    assert [p.name for p in files_under(tmp_path)] == [document.stored_name]
    assert files_under(tmp_path)[0].parent.parent == (storage / "documents").resolve()


@pytest.mark.parametrize("name", ["../../a\x00.pdf", "..\\..\\x.pdf", "/etc/passwd.pdf", "甲" * 300 + ".pdf"])
def test_r27_hostile_names_through_the_page_never_leave_the_root(filer_a, project_a, client_for, storage, tmp_path,
                                                                 name):
    response = client_for(filer_a).post(f"/declarations/projects/{project_a.pk}/documents/",
                                        {"kind": "mlps_plan", "file": SimpleUploadedFile(name, PDF)})
    assert response.status_code == 302
    document = Document.objects.get()
    assert not set(document.original_name) & {"/", "\\", "\x00"} and document.original_name.endswith(".pdf")
    assert len(document.original_name) <= 200
    assert [p.name for p in files_under(tmp_path)] == [document.stored_name]
    assert files_under(tmp_path)[0].parent.parent == (storage / "documents").resolve()


# --- R28: no public URL; permission, headers ------------------------------------------------------

def test_r28_no_url_serves_the_storage_directory(filer_a, project_a, client_for, settings, storage):
    from django.views.static import serve

    def callbacks(resolver):
        for pattern in resolver.url_patterns:
            if hasattr(pattern, "url_patterns"):
                yield from callbacks(pattern)
            else:
                yield pattern.callback

    assert serve not in set(callbacks(get_resolver()))
    document = upload(filer_a, project_a, "方案.pdf", PDF)
    relative = documents.path_of(document.stored_name).relative_to(storage)
    c = client_for(filer_a)
    for url in (f"/media/{relative.as_posix()}", f"/storage/{relative.as_posix()}", f"/static/{relative.as_posix()}",
                f"/{relative.as_posix()}"):
        assert c.get(url).status_code == 404, url


def test_r28_every_download_checks_permission_and_answers_as_an_attachment(filer_a, filer_b, client_for, project_a,
                                                                           client):
    document = upload(filer_a, project_a, "项目实施方案（终稿）.pdf", PDF)
    page, api = f"/declarations/documents/{document.pk}/download/", f"/api/v1/declarations/documents/{document.pk}/download"
    assert client.get(page).status_code == 302 and client.get(api).status_code == 401  # not signed in
    assert client_for(filer_b).get(page).status_code == 404 and client_for(filer_b).get(api).status_code == 404
    for url in (page, api):
        response = client_for(filer_a).get(url)
        assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
        assert response["Content-Disposition"] == ("attachment; filename*=utf-8''%E9%A1%B9%E7%9B%AE%E5%AE%9E%E6%96%BD"
                                                   "%E6%96%B9%E6%A1%88%EF%BC%88%E7%BB%88%E7%A8%BF%EF%BC%89.pdf")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Type"] == "application/pdf"
    assert AuditEvent.objects.filter(action="document.downloaded").count() == 2


@pytest.fixture
def approved(filer_a, office_reviewer, drc_reviewer, unit_a):
    from accounts.models import Role

    factories.user("head_a", unit_a, Role.UNIT_HEAD)
    return approve(factories.project(filer_a), filer_a, office_reviewer, drc_reviewer)


def archive_file(actor, project, name="监理合同.pdf", data=PDF):
    f = SimpleUploadedFile(name, data)
    from datetime import date

    return delivery_services.archive_add(actor=actor, project_id=project.pk, category="supervision", title="监理合同",
                                         dated=date(2025, 1, 20), name=name, size=f.size, fileobj=f)


def test_r28_the_project_archive_downloads_the_same_way_and_refuses_a_changed_file(approved, filer_a, filer_b, client_for, storage):
    from django.urls import reverse

    entry = archive_file(filer_a, approved)
    url = reverse("delivery:archive_download", args=[entry.pk])
    assert client_for(filer_b).get(url).status_code == 404
    response = client_for(filer_a).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"] == \
        "attachment; filename*=utf-8''%E7%9B%91%E7%90%86%E5%90%88%E5%90%8C.pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    archive.path_of(entry.stored_name).write_bytes(PDF + b"%changed")
    refused = client_for(filer_a).get(url)
    assert refused.status_code == 409 and "SHA-256 不符" in refused.content.decode()
    assert AuditEvent.objects.filter(action="delivery.archive_tampered", object_id=str(entry.pk)).count() == 1


# --- R29: digest stored, checked, algorithm ------------------------------------------------------

def test_r29_a_file_changed_on_disk_is_refused_with_exactly_one_audit_event(filer_a, project_a, client_for):
    document = upload(filer_a, project_a, "方案.pdf", PDF)
    assert document.sha256 == hashlib.sha256(PDF).hexdigest()
    uploaded = AuditEvent.objects.get(action="document.uploaded")
    assert uploaded.after["digest_algorithm"] == "sha256" and uploaded.after["sha256"] == document.sha256
    path = documents.path_of(document.stored_name)
    path.write_bytes(PDF.replace(b"%%EOF", b"%%EOX"))  # same size, one byte different
    c = client_for(filer_a)  # signing in is audited too: count from here
    before = AuditEvent.objects.count()
    response = c.get(f"/declarations/documents/{document.pk}/download/")
    assert response.status_code == 409 and "校验失败" in response.content.decode()
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("seq")
    assert (event.action, event.outcome, event.before) == ("document.tampered", "refused", {"sha256": document.sha256})
    assert not AuditEvent.objects.filter(action="document.downloaded").exists()


def test_r29_with_national_crypto_on_the_digest_is_sm3_and_older_sha256_files_still_verify(filer_a, project_a,
                                                                                          client_for, settings):
    from cryptography.hazmat.primitives import hashes

    older = upload(filer_a, project_a, "旧.pdf", PDF, kind="cryptography_plan")
    settings.NATIONAL_CRYPTO = True
    newer = upload(filer_a, project_a, "新.pdf", PDF + b"%v2", kind="mlps_plan")
    sm3 = hashes.Hash(hashes.SM3())
    sm3.update(PDF + b"%v2")
    assert newer.sha256 == sm3.finalize().hex() != hashlib.sha256(PDF + b"%v2").hexdigest()
    assert AuditEvent.objects.filter(action="document.uploaded").latest("seq").after["digest_algorithm"] == "sm3"
    c = client_for(filer_a)
    for document in (older, newer):
        assert c.get(f"/declarations/documents/{document.pk}/download/").status_code == 200
    documents.path_of(newer.stored_name).write_bytes(PDF + b"%v3")
    assert c.get(f"/declarations/documents/{newer.pk}/download/").status_code == 409
    settings.NATIONAL_CRYPTO = False
    assert c.get(f"/declarations/documents/{older.pk}/download/").status_code == 200


# --- R30: rollback leaves no file; reconciliation ------------------------------------------------

def test_r30_an_upload_rolled_back_by_an_outer_transaction_leaves_no_file(filer_a, project_a, storage):
    with pytest.raises(RuntimeError), transaction.atomic():
        document = upload(filer_a, project_a, "方案.pdf", PDF)
        path = documents.path_of(document.stored_name)
        assert path.exists()  # written, and the upload's own block has finished without error
        raise RuntimeError("a later step of the same request fails")
    assert not path.exists() and files_under(storage) == []
    assert not Document.objects.filter(pk=document.pk).exists()


def test_r30_a_rollback_two_levels_out_removes_the_archive_file_too(approved, filer_a, storage):
    with pytest.raises(RuntimeError), transaction.atomic():
        with transaction.atomic():
            entry = archive_file(filer_a, approved)
        assert archive.path_of(entry.stored_name).exists()
        raise RuntimeError("rolled back")
    assert files_under(storage) == []


def test_r30_a_failing_audit_write_leaves_no_file(filer_a, project_a, storage):
    with patch("declarations.services.record", side_effect=RuntimeError("审计写入失败")), pytest.raises(RuntimeError):
        upload(filer_a, project_a, "方案.pdf", PDF)
    assert files_under(storage) == [] and not Document.objects.exists()


def test_r30_a_committed_upload_keeps_its_file(filer_a, project_a, storage, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            document = upload(filer_a, project_a, "方案.pdf", PDF)
    assert [c.__name__ for c in callbacks].count("confirm") == 1  # the file's confirmation ran
    with pytest.raises(RuntimeError), transaction.atomic():
        raise RuntimeError("an unrelated later rollback")
    assert documents.path_of(document.stored_name).read_bytes() == PDF


def test_r30_reconcile_files_reports_both_kinds_and_exits_non_zero(filer_a, project_a, approved, storage, capsys):
    kept = upload(filer_a, project_a, "一.pdf", PDF)
    gone = upload(filer_a, project_a, "二.pdf", PDF)
    entry = archive_file(filer_a, approved)
    call_command("reconcile_files")  # all consistent: exit status 0
    assert "没有记录的文件 0 个，没有文件的记录 0 个" in capsys.readouterr().out
    documents.path_of(gone.stored_name).unlink()
    orphan = archive.path_of("f" * 32 + ".pdf")
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(PDF)
    planted = storage / "documents" / "shell.php"
    planted.write_bytes(b"<?php ?>")
    with pytest.raises(SystemExit) as exited:
        call_command("reconcile_files")
    assert exited.value.code == 1
    out = capsys.readouterr().out
    assert f"没有文件的记录：documents/{gone.stored_name}" in out
    assert f"没有记录的文件：archive/{orphan.name}" in out and "没有记录的文件：documents/shell.php" in out
    assert "没有记录的文件 2 个，没有文件的记录 1 个" in out
    with pytest.raises(SystemExit):
        call_command("reconcile_files", "--delete-orphans")
    assert not orphan.exists()
    assert documents.path_of(kept.stored_name).exists() and archive.path_of(entry.stored_name).exists()
    assert AuditEvent.objects.filter(action="files.orphans_removed").count() == 1


# --- R31: clamd ---------------------------------------------------------------------------------

def _holds_eicar(data: bytes) -> bool:
    """Like clamd, look into archives: a deflated zip member does not show the signature's bytes on the wire."""
    if EICAR in data:
        return True
    with contextlib.suppress(zipfile.BadZipFile, OSError, RuntimeError):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return any(_holds_eicar(archive.read(info)) for info in archive.infolist() if info.file_size < 10_000_000)
    return False


class FakeClamd(socketserver.ThreadingMixIn, socketserver.TCPServer):
    """Speaks clamd's INSTREAM: reads <len><chunk>… until a zero length, answers FOUND for EICAR."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, family=socket.AF_INET, reply=None):
        self.address_family = family
        self.scanned: list[bytes] = []
        self.reply = reply
        super().__init__(address, self.Handler)

    class Handler(socketserver.StreamRequestHandler):
        def handle(self):
            command = b""
            while not command.endswith(b"\0"):
                command += self.rfile.read(1)
            assert command == b"zINSTREAM\0"
            data = b""
            while (length := struct.unpack("!L", self.rfile.read(4))[0]) != 0:
                data += self.rfile.read(length)
            self.server.scanned.append(data)
            if self.server.reply is not None:
                answer = self.server.reply
            elif _holds_eicar(data):
                answer = b"stream: Eicar-Test-Signature FOUND"
            else:
                answer = b"stream: OK"
            self.wfile.write(answer + b"\0")


@pytest.fixture
def fake_clamd(settings):
    server = FakeClamd(("127.0.0.1", 0))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.CLAMD_HOST, settings.CLAMD_PORT = "127.0.0.1", server.server_address[1]
    yield server
    server.shutdown()
    server.server_close()


def test_r31_scanning_is_off_by_default(filer_a, project_a):
    from django.conf import settings as live

    assert not live.CLAMD_SOCKET and not live.CLAMD_HOST
    assert upload(filer_a, project_a, "测试.zip", zipped(("eicar.com", EICAR))).version == 1


def test_r31_the_eicar_test_file_is_refused_when_scanning_is_on(filer_a, project_a, storage, fake_clamd):
    assert refusal(filer_a, project_a, "测试.zip", zipped(("eicar.com", EICAR))) == \
        "文件“测试.zip”未通过病毒扫描（检出 Eicar-Test-Signature），不能上传。"
    assert files_under(storage) == [] and not Document.objects.exists()
    clean = upload(filer_a, project_a, "方案.pdf", PDF)
    assert clean.version == 1 and fake_clamd.scanned[-1] == PDF  # the whole file went through INSTREAM


@pytest.fixture
def clamd_unix_socket(tmp_path):
    """The real clamd when Debian's clamav-daemon is installed (started here with a one-signature database:
    EICAR, as an .ndb body signature, so no download is needed), otherwise the fake one on a Unix socket."""
    path = tmp_path / "clamd.sock"
    daemon = shutil.which("clamd") or next((p for p in ("/usr/sbin/clamd",) if Path(p).exists()), None)
    if daemon is None:
        server = FakeClamd(str(path), family=socket.AF_UNIX)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield path, "fake"
        server.shutdown()
        server.server_close()
        return
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "test.ndb").write_text(f"Eicar-Test-Signature:0:*:{EICAR.hex()}\n")
    (tmp_path / "clamd.conf").write_text(f"LocalSocket {path}\nDatabaseDirectory {tmp_path / 'db'}\nForeground yes\n"
                                         f"LogFile {tmp_path / 'clamd.log'}\nStreamMaxLength 100M\n")
    process = subprocess.Popen([daemon, "-c", str(tmp_path / "clamd.conf")], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):  # up to 30 s to load the database and open the socket
            if path.exists():
                with socket.socket(socket.AF_UNIX) as s, contextlib.suppress(OSError):
                    s.connect(str(path))
                    s.sendall(b"zPING\0")
                    if s.recv(16) == b"PONG\0":
                        break
            time.sleep(0.1)
        else:
            raise AssertionError("clamd did not start")
        yield path, "clamd"
    finally:
        process.terminate()
        process.wait(10)


def test_r31_eicar_is_refused_through_a_clamd_unix_socket(filer_a, project_a, settings, storage, clamd_unix_socket):
    path, which = clamd_unix_socket
    settings.CLAMD_SOCKET = str(path)
    message = refusal(filer_a, project_a, "a.zip", zipped(("eicar.com", EICAR), compression=zipfile.ZIP_DEFLATED))
    assert message.startswith("文件“a.zip”未通过病毒扫描（检出 Eicar-Test-Signature"), which
    assert files_under(storage) == []
    assert upload(filer_a, project_a, "b.pdf", PDF).version == 1


def test_r31_scanning_unavailable_fails_closed_with_a_clear_message(filer_a, project_a, storage, settings):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.CLAMD_HOST, settings.CLAMD_PORT, settings.CLAMD_TIMEOUT = "127.0.0.1", port, 2
    assert refusal(filer_a, project_a, "方案.pdf", PDF) == \
        "文件“方案.pdf”未能完成病毒扫描（病毒扫描服务暂不可用），为安全起见未上传。请稍后重试，或联系系统管理员。"
    assert files_under(storage) == [] and not Document.objects.exists()
    settings.CLAMD_REQUIRED = False  # an administrator's explicit choice: accept unscanned files
    assert upload(filer_a, project_a, "方案.pdf", PDF).version == 1


def test_r31_a_clamd_error_answer_also_fails_closed(filer_a, project_a, fake_clamd):
    fake_clamd.reply = b"INSTREAM size limit exceeded. ERROR"
    assert "病毒扫描服务暂不可用" in refusal(filer_a, project_a, "方案.pdf", PDF)

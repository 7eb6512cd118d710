"""Attached documents (SECURITY.md 26–30): allowlist and content check, generated names, digest, versions,
download permission, tampering, rollback."""

import hashlib
import io
import zipfile
from datetime import date
from unittest.mock import patch

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.http import Http404

from audit.models import AuditEvent
from declarations import documents, selectors, services
from declarations.models import Document
from projects.models import Stage
from projects.services import ActionRefused
from tests import factories
from tests.test_declarations import on, open_round, ready_project

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def zipped(*members: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def storage(settings, tmp_path):
    settings.STORAGE_DIR = tmp_path
    return tmp_path / "documents"


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


def files_in(storage) -> list:
    return [p for p in storage.rglob("*") if p.is_file()] if storage.exists() else []


def test_a_good_pdf_is_stored_under_a_generated_name_with_its_sha256(filer_a, project_a, storage):
    document = upload(filer_a, project_a, "../../项目实施方案.pdf", PDF)
    assert document.sha256 == hashlib.sha256(PDF).hexdigest()
    assert (document.size, document.content_type, document.version) == (len(PDF), "application/pdf", 1)
    assert document.original_name == "项目实施方案.pdf"
    stored = files_in(storage)
    assert len(stored) == 1 and stored[0].read_bytes() == PDF
    assert stored[0].name == document.stored_name and "项目实施方案" not in str(stored[0])
    assert stored[0].parent.parent == storage.resolve()
    event = AuditEvent.objects.get(action="document.uploaded")
    assert event.after["sha256"] == document.sha256 and event.project_id == project_a.pk


@pytest.mark.parametrize("name", ["../../x.pdf", "..\\..\\x.pdf", "/etc/passwd.pdf", "C:\\Windows\\x.pdf",
                                  "甲" * 300 + ".pdf"])
def test_hostile_names_never_leave_the_storage_root(filer_a, project_a, storage, name):
    document = upload(filer_a, project_a, name, PDF)
    assert documents.path_of(document.stored_name).parent.parent == storage.resolve()
    assert "/" not in document.original_name and "\\" not in document.original_name
    assert len(document.original_name) <= 200 and document.original_name.endswith(".pdf")


def test_a_name_with_nul_is_refused(filer_a, project_a):
    assert refusal(filer_a, project_a, "a\x00.pdf", PDF) == "文件“a.pdf”的文件名包含非法字符，不能上传。"


def test_an_executable_renamed_to_pdf_is_refused_with_the_reason(filer_a, project_a, storage):
    assert refusal(filer_a, project_a, "实施方案.pdf", EXE) == \
        "文件“实施方案.pdf”的内容与扩展名 .pdf 不符：文件实际是 Windows 可执行程序，不能上传。"
    assert refusal(filer_a, project_a, "setup.exe", EXE) == \
        "文件“setup.exe”的类型不允许上传（可执行程序）：只接受 PDF、OFD、DOC、DOCX、XLS、XLSX、JPG、PNG、ZIP 文件。"
    assert files_in(storage) == [] and not Document.objects.exists()


def test_html_and_svg_are_refused_whatever_they_are_called(filer_a, project_a, storage):
    assert refusal(filer_a, project_a, "说明.html", HTML) == \
        "文件“说明.html”的类型不允许上传（HTML 网页）：只接受 PDF、OFD、DOC、DOCX、XLS、XLSX、JPG、PNG、ZIP 文件。"
    assert refusal(filer_a, project_a, "logo.svg", SVG) == \
        "文件“logo.svg”的类型不允许上传（SVG 图片）：只接受 PDF、OFD、DOC、DOCX、XLS、XLSX、JPG、PNG、ZIP 文件。"
    assert refusal(filer_a, project_a, "说明.pdf", HTML) == \
        "文件“说明.pdf”的内容与扩展名 .pdf 不符：文件实际是 HTML 网页，不能上传。"
    assert refusal(filer_a, project_a, "logo.png", SVG) == \
        "文件“logo.png”的内容与扩展名 .png 不符：文件实际是 SVG 图片，不能上传。"
    assert refusal(filer_a, project_a, "图.jpg", PNG) == \
        "文件“图.jpg”的内容与扩展名 .jpg 不符：文件实际是 PNG 图片，不能上传。"
    assert files_in(storage) == []


def test_office_files_are_checked_inside_the_archive(filer_a, project_a):
    assert upload(filer_a, project_a, "方案.docx", zipped(("word/document.xml", b"<w/>"))).version == 1
    assert upload(filer_a, project_a, "预算.xlsx", zipped(("xl/workbook.xml", b"<x/>"))).content_type.endswith(".sheet")
    assert upload(filer_a, project_a, "方案.ofd", zipped(("OFD.xml", b"<ofd/>"))).content_type == "application/ofd"
    assert refusal(filer_a, project_a, "方案.docx", zipped(("xl/workbook.xml", b"<x/>"))) == \
        "文件“方案.docx”的内容与扩展名 .docx 不符：不是 Word 文件。"
    assert refusal(filer_a, project_a, "资料.zip", zipped(("../../etc/cron.d/x", b"x"))) == \
        "文件“资料.zip”包含不安全的路径“x”（绝对路径或“..”），不能上传。"
    assert refusal(filer_a, project_a, "资料.zip", zipped(("/etc/passwd", b"x"))) == \
        "文件“资料.zip”包含不安全的路径“passwd”（绝对路径或“..”），不能上传。"
    many = zipped(*[(f"f{i}.txt", b"") for i in range(1001)])
    assert refusal(filer_a, project_a, "资料.zip", many) == \
        "文件“资料.zip”包含 1001 个文件，超过上限（压缩包内不超过 1000 个文件）。"
    assert refusal(filer_a, project_a, "坏.docx", b"PK\x03\x04broken") == \
        "文件“坏.docx”不是有效的 Word 文件（压缩结构损坏）。"


def test_size_limits(filer_a, project_a, settings):
    settings.UPLOAD_MAX_BYTES = 20
    assert refusal(filer_a, project_a, "大.pdf", PDF) == f"文件“大.pdf”大小为 {len(PDF)} 字节，超过上限（单个文件不超过 20 字节）。"
    assert refusal(filer_a, project_a, "空.pdf", b"") == "文件“空.pdf”是空文件，不能上传。"
    settings.UPLOAD_MAX_BYTES = 100 * 1024 * 1024
    settings.UPLOAD_PROJECT_QUOTA_BYTES = len(PDF) + 10
    upload(filer_a, project_a, "一.pdf", PDF)
    assert refusal(filer_a, project_a, "二.pdf", PDF) == \
        "文件“二.pdf”上传后本项目附件总量将超过上限（每个项目不超过 72 字节），请压缩后再上传，或联系系统管理员。".replace(
            "72", str(len(PDF) + 10))


def test_reuploading_a_kind_makes_the_next_version_and_keeps_the_older(filer_a, project_a, storage):
    first = upload(filer_a, project_a, "密码应用方案.pdf", PDF, kind="cryptography_plan")
    second = upload(filer_a, project_a, "密码应用方案（修订）.pdf", PDF + b"%rev2", kind="cryptography_plan")
    other = upload(filer_a, project_a, "政务云.pdf", PDF, kind="government_cloud_plan")
    assert (first.version, second.version, other.version) == (1, 2, 1)
    assert len(files_in(storage)) == 3
    assert selectors.latest_documents(project_a)["cryptography_plan"] == second
    # An uploaded plan counts as the material of 第十六条第二项.
    assert selectors.declaration_facts(project_a).has_cryptography_plan is True


def test_download_checks_permission_digest_and_headers(filer_a, filer_b, auditor, client_for, project_a):
    document = upload(filer_a, project_a, "项目实施方案.pdf", PDF)
    url = f"/declarations/documents/{document.pk}/download/"
    for outsider in (filer_b, auditor):  # auditors see no other unit's drafts either
        assert client_for(outsider).get(url).status_code == 404
        assert client_for(outsider).get(f"/api/v1/declarations/documents/{document.pk}/download").status_code == 404
    response = client_for(filer_a).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"] == \
        "attachment; filename*=utf-8''%E9%A1%B9%E7%9B%AE%E5%AE%9E%E6%96%BD%E6%96%B9%E6%A1%88.pdf"
    assert response["X-Content-Type-Options"] == "nosniff" and response["Content-Type"] == "application/pdf"
    assert AuditEvent.objects.filter(action="document.downloaded", object_id=str(document.pk)).count() == 1
    assert client_for(filer_a).get("/declarations/documents/999999/download/").status_code == 404


def test_a_file_changed_on_disk_is_refused_and_audited(filer_a, client_for, project_a):
    document = upload(filer_a, project_a, "项目实施方案.pdf", PDF)
    documents.path_of(document.stored_name).write_bytes(PDF.replace(b"Catalog", b"Catalo9"))
    response = client_for(filer_a).get(f"/declarations/documents/{document.pk}/download/")
    message = ("文件“项目实施方案.pdf”校验失败：存储的文件与上传时的 SHA-256 不一致（可能已被篡改或损坏），"
               "已拒绝下载并记录。请联系安全管理员。")
    assert response.status_code == 409 and message in response.content.decode()
    event = AuditEvent.objects.get(action="document.tampered")
    assert event.outcome == "refused" and event.before == {"sha256": document.sha256}
    assert event.after["sha256"] == hashlib.sha256(PDF.replace(b"Catalog", b"Catalo9")).hexdigest()
    api = client_for(filer_a).get(f"/api/v1/declarations/documents/{document.pk}/download")
    assert api.status_code == 409 and api.json()["detail"][0]["message"] == message
    documents.path_of(document.stored_name).unlink()
    with pytest.raises(services.DocumentTampered):
        services.document_open(actor=filer_a, document_id=document.pk)
    assert AuditEvent.objects.filter(action="document.tampered").latest("seq").after == {"sha256": "文件缺失"}
    assert not AuditEvent.objects.filter(action="document.downloaded").exists()


def test_an_upload_whose_transaction_rolls_back_leaves_no_file(filer_a, project_a, storage):
    with patch("declarations.services.record", side_effect=RuntimeError("审计写入失败")), \
            pytest.raises(RuntimeError):
        upload(filer_a, project_a, "项目实施方案.pdf", PDF)
    assert files_in(storage) == [] and not Document.objects.exists()


def test_reconciliation_finds_files_without_records_and_records_without_files(filer_a, project_a, storage, capsys):
    kept = upload(filer_a, project_a, "一.pdf", PDF)
    gone = upload(filer_a, project_a, "二.pdf", PDF)
    documents.path_of(gone.stored_name).unlink()
    orphan = documents.path_of("0" * 32 + ".pdf")
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(PDF)
    with pytest.raises(SystemExit):
        call_command("reconcile_documents", "--delete-orphans")
    out = capsys.readouterr().out
    assert f"没有记录的文件：{orphan.name}" in out and f"没有文件的记录：{gone.stored_name}" in out
    assert not orphan.exists() and documents.path_of(kept.stored_name).exists()


def test_who_may_upload_and_when(office_reviewer, filer_a, filer_b, drc_reviewer, client_for):
    open_round(office_reviewer)
    project = ready_project(filer_a)
    with pytest.raises(Http404):
        upload(filer_b, project, "方案.pdf", PDF)
    with on(date(2026, 11, 28)):
        services.declaration_submit(actor=filer_a, project_id=project.pk)
    with pytest.raises(ActionRefused, match="^项目处于“已申报”阶段，不能上传材料$"):
        upload(filer_a, project, "方案.pdf", PDF)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied, match="^只有本项目单位的填报人或负责人可以上传申报材料$"):
        upload(office_reviewer, project, "方案.pdf", PDF)
    project.refresh_from_db()
    assert project.stage == Stage.SUBMITTED


def test_upload_through_the_page_and_the_api(filer_a, filer_b, client_for, project_a):
    c = client_for(filer_a)
    page_url = f"/declarations/projects/{project_a.pk}/documents/"
    ok = c.post(page_url, {"kind": "mlps_plan", "file": SimpleUploadedFile("等保方案.pdf", PDF)})
    assert ok.status_code == 302
    bad = c.post(page_url, {"kind": "mlps_plan", "file": SimpleUploadedFile("等保方案.pdf", EXE)})
    assert bad.status_code == 422
    assert "文件“等保方案.pdf”的内容与扩展名 .pdf 不符：文件实际是 Windows 可执行程序，不能上传。" in bad.content.decode()
    api_url = f"/api/v1/declarations/projects/{project_a.pk}/documents"
    created = c.post(api_url, {"kind": "mlps_plan", "file": SimpleUploadedFile("等保方案.pdf", PDF)})
    assert created.status_code == 201
    assert created.json()["version"] == 2 and created.json()["sha256"] == hashlib.sha256(PDF).hexdigest()
    refused = c.post(api_url, {"kind": "mlps_plan", "file": SimpleUploadedFile("a.svg", SVG)})
    assert refused.status_code == 422
    assert refused.json()["detail"] == [{"field": "file", "message":
                                         "文件“a.svg”的类型不允许上传（SVG 图片）：只接受 PDF、OFD、DOC、DOCX、XLS、XLSX、JPG、PNG、ZIP 文件。"}]
    listed = c.get(api_url).json()
    assert [(d["kind"], d["version"]) for d in listed] == [("mlps_plan", 2), ("mlps_plan", 1)]
    assert client_for(filer_b).post(api_url, {"kind": "mlps_plan", "file": SimpleUploadedFile("x.pdf", PDF)}
                                    ).status_code == 404
    assert "等保方案.pdf" in c.get(page_url).content.decode()

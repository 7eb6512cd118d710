"""A project unit declares a project in the browser (issue 3, issue 9 §1): creates it, fills the materials of
第十六条, runs the pre-check, fixes the blocking finding, uploads a PDF and submits in the open round."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import OrgKind, Role
from catalogue import services as catalogue_services
from declarations import services as declaration_services
from declarations.demo import CLEAN_ANSWERS
from projects.models import Project, Stage
from tests import factories
from tests.test_documents import PDF

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MATERIALS = {
    "主要任务": "建设全省教育督导业务统一办理系统。",
    "项目建设依据和必要性": "依据省数字政府建设规划，督导业务目前分散在纸质台账。",
    "项目绩效目标": "督导事项网上办理率 100%。",
    "采用该实施方式的主要原因": "业务专业性强，自行建设。",
    "拟建功能和内容": "督导计划；现场检查；问题整改；统计分析。",
    "应用系统实施方案": "部署在省级政务云，复用统一身份认证。",
    "信息资源目录": "督导对象、督导报告等 8 类信息资源。",
    "政务云需求方案": "计算 32 vCPU、内存 128 GB、存储 10 TB。",
    "等级保护方案": "按等保第三级建设。",
    "密码应用方案": "采用 SM2/SM3/SM4 实现身份鉴别和数据加密。",
}


def test_a_unit_declares_fixes_the_precheck_uploads_and_submits(page, login, shot, settings, tmp_path):
    settings.STORAGE_DIR = tmp_path
    unit = factories.org("BT-EDU", "四川省教育厅")
    filer = factories.user("edu", unit, Role.FILER)
    today = timezone.localdate()
    year = today.year + 1
    declaration_services.round_create(
        actor=factories.user("office", factories.body(OrgKind.LEADING_GROUP_OFFICE), Role.REVIEWER), year=year,
        title=f"{year}年度项目申报", opens_on=today, closes_on=today + timedelta(days=30))

    login(page, "edu", factories.PASSWORD)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="项目", exact=True).click()
    page.get_by_role("link", name="新建项目").click()
    page.get_by_label("项目名称").fill("教育督导信息平台")
    page.get_by_label("申报年度").fill(str(year))
    page.get_by_label("实施方式").select_option(label="自行建设")
    page.get_by_label("申报总投资（元）").fill("9800000")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_role("heading", name="教育督导信息平台")).to_be_visible()
    project = Project.objects.get(name="教育督导信息平台")

    # Not what this journey is about: the catalogue entry (第九条) and the 第八条 questionnaire, answered by
    # the services — with one wrong answer (not on the provincial cloud) that the pre-check will block.
    system = catalogue_services.system_create(
        actor=filer, name="教育督导业务系统", purpose="督导业务办理", status="planned", on_government_cloud=True,
        network="egov_extranet", is_classified=False, mlps_level=3, connected_to_sharing_platform=True,
        connected_to_service_platform=True, connected_to_unified_office_platform=True, data_resources="")
    catalogue_services.link_project_system(actor=filer, project_id=project.pk, system_id=system.pk, relation="build")
    declaration_services.materials_update(actor=filer, project_id=project.pk, expected_version=0,
                                          **CLEAN_ANSWERS | {"deployed_on_provincial_cloud": False,
                                                             "funding_channels": ["fiscal_budget"]})

    page.reload()
    page.get_by_role("navigation", name="项目各环节").get_by_role("link", name="申报材料与体检").click()
    expect(page.get_by_role("heading", name="申报材料")).to_be_visible()
    shot(page, "declaration")
    page.get_by_role("link", name="填写申报材料").click()
    for label, text in MATERIALS.items():
        page.get_by_label(label, exact=True).fill(text)
    page.get_by_label("运行维护经费（元/年）").fill("-1")
    page.get_by_role("button", name="保存申报材料").click()

    # Refused: what was typed is kept and the wrong field says why, in Chinese.
    expect(page.get_by_text("运行维护经费不能为负数")).to_be_visible()
    expect(page.get_by_label("主要任务", exact=True)).to_have_value(MATERIALS["主要任务"])
    expect(page.get_by_label("运行维护经费（元/年）")).to_have_value("-1")
    shot(page, "materials-refused")
    page.get_by_label("运行维护经费（元/年）").fill("1200000")
    page.get_by_role("button", name="保存申报材料").click()
    expect(page.get_by_role("status")).to_contain_text("申报材料已保存")

    page.get_by_role("link", name="体检并提交").click()
    page.get_by_role("button", name="运行体检").click()
    blocked = page.locator('tr.finding[data-rule="provincial_cloud_deployment"]')
    expect(blocked).to_contain_text("不符合")
    expect(blocked).to_contain_text("未部署到省级政务云")
    article = blocked.get_by_role("link", name="第八条第三项")
    expect(article).to_have_attribute("href", "/regulation/articles/8/")
    expect(page.get_by_text("有 1 项不符合，须修改后才能提交。")).to_be_visible()
    shot(page, "precheck-blocked")

    page.get_by_role("link", name="修改申报材料").click()
    page.get_by_label("是否部署（升级改造项目：迁移）到省级政务云").select_option(label="是")
    page.get_by_role("button", name="保存申报材料").click()
    expect(page.get_by_role("status")).to_contain_text("申报材料已保存")

    page.get_by_role("link", name=re.compile(r"^附件")).first.click()
    page.get_by_label("材料类型").select_option(label="信息资源目录")
    page.get_by_label("文件").set_input_files(files=[{"name": "信息资源目录.pdf", "mimeType": "application/pdf",
                                                     "buffer": PDF}])
    page.get_by_role("button", name="上传").click()
    expect(page.get_by_role("status")).to_contain_text("已上传信息资源目录第 1 版：信息资源目录.pdf")
    shot(page, "document-uploaded")

    page.get_by_role("main").get_by_role("link", name="体检", exact=True).click()
    expect(page.get_by_text("没有不符合的项目，可以提交。")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="提交申报").click()
    expect(page.get_by_role("status")).to_contain_text(f"项目 {project.number} 已提交申报。")
    expect(page.get_by_role("heading", name="教育督导信息平台")).to_contain_text("已申报")
    shot(page, "submitted")
    project.refresh_from_db()
    assert project.stage == Stage.SUBMITTED

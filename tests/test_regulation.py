import pytest

from regulation.parser import chinese_to_int, measures, search


def test_all_54_articles_and_9_chapters_are_found_in_order():
    doc = measures()
    assert doc.title == "四川省省级政务信息化项目管理办法"
    assert [c.number for c in doc.chapters] == list(range(1, 10))
    assert [a.number for a in doc.articles] == list(range(1, 55))
    assert [c.title for c in doc.chapters][:3] == ["总则", "系统整合和信息共享", "规划和审批管理"]
    assert doc.chapters[-1].title == "附则"


def test_article_text_is_rejoined_and_items_are_parsed():
    art18 = measures().article(18)
    assert art18.paragraphs[0].text.startswith("自行建设项目应按照基本建设程序,编报项目可行性研究报告")
    assert [i.number for i in art18.paragraphs[1].items] == [1, 2, 3]
    assert art18.item(3).text == "(三)总投资不超过 2000 万元的。"
    art8 = measures().article(8)
    assert len(art8.paragraphs[0].items) == 8
    assert "法律法规有明确规定的除外" in art8.paragraphs[0].text


def test_paragraphs_of_article_5_are_separate():
    paragraphs = measures().article(5).paragraphs
    assert len(paragraphs) == 3
    assert paragraphs[1].text.startswith("领导小组办公室(省政府办公厅)负责指导")


def test_chinese_numerals():
    assert [chinese_to_int(t) for t in ["一", "十", "十八", "二十二", "五十四"]] == [1, 10, 18, 22, 54]


def test_search_finds_articles_with_every_word():
    assert [a.number for a, _ in search("试运行")] == [31, 45]
    assert [a.number for a, _ in search("试运行 验收")] == [31]
    assert search("不存在的词语组合") == []


@pytest.mark.django_db
def test_article_page_and_search_page(client, filer_a):
    client.force_login(filer_a)
    page = client.get("/regulation/articles/29/")
    assert page.status_code == 200
    assert "第二十九条" in page.content.decode()
    assert "资金调整数额不超过批复总投资 15%" in page.content.decode()
    assert client.get("/regulation/articles/55/").status_code == 404
    found = client.get("/regulation/search/", {"q": "密码应用"}).content.decode()
    assert "第五十一条" in found
    index = client.get("/regulation/").content.decode()
    assert "第九章 附则" in index


@pytest.mark.django_db
def test_articles_are_served_by_the_api_without_login(client):
    data = client.get("/api/v1/regulation/articles/31").json()
    assert data["label"] == "第三十一条" and "3 个月试运行" in data["text"]
    assert client.get("/api/v1/regulation/articles/0").status_code == 404

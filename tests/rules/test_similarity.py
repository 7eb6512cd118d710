"""Character n-gram similarity for Chinese (rules/similarity.py)."""

import time
from decimal import Decimal

import pytest

from rules.similarity import Candidate, Match, SimilarityIndex, char_ngrams, similarity, top_matches


def test_ngrams_are_bigrams_and_trigrams_of_chinese_text():
    assert char_ngrams("电子证照") == {"电子", "子证", "证照", "电子证", "子证照"}


def test_ngrams_do_not_cross_punctuation_and_keep_short_segments():
    assert char_ngrams("云，电子") == {"云", "电子"}


def test_full_width_and_case_are_normalized():
    assert char_ngrams("ＯＡ系统") == char_ngrams("oa系统") == {"oa", "a系", "系统", "oa系", "a系统"}


def test_similarity_is_the_cosine_of_ngram_sets_in_percent():
    # {甲乙, 丙丁} and {甲乙, 戊己}: one shared n-gram of two each → 1 / √4 = 50.00 %
    assert similarity("甲乙，丙丁", "甲乙，戊己") == Decimal("50.00")
    # {甲乙} and {甲乙, 丙丁}: 1 / √2 = 70.71 %
    assert similarity("甲乙", "甲乙，丙丁") == Decimal("70.71")


def test_similarity_bounds_and_symmetry():
    text = "建设全省统一电子证照共享服务系统"
    assert similarity(text, text) == Decimal("100.00")
    assert similarity(text, "") == Decimal("0.00")
    assert similarity("", "") == Decimal("0.00")
    assert similarity("甲乙丙", "丁戊己") == Decimal("0.00")
    other = "四川省电子证照共享服务平台"
    assert similarity(text, other) == similarity(other, text)


def test_realistic_chinese_duplicate_scores_above_unrelated():
    query = "建设全省统一电子证照共享服务系统，实现证照签发、查询和核验"
    same_function = "四川省电子证照共享服务平台：电子证照签发、核验、共享"
    unrelated = "全省应急指挥调度系统：应急值守、指挥调度、视频会商"
    assert similarity(query, same_function) == Decimal("51.28")
    assert similarity(query, unrelated) == Decimal("5.91")


CANDIDATES = [
    Candidate("S1", "电子证照签发核验共享", "电子证照系统", "catalogue_system", "省政务服务和公共资源交易服务中心"),
    Candidate("S2", "应急指挥调度视频会商", "应急指挥系统", "catalogue_system", "应急管理厅"),
    Candidate("P1", "电子证照共享", "省电子证照共享平台", "shared_platform", "省大数据中心"),
    Candidate("D1", "统一印章服务", "印章项目", "declaration", "公安厅"),
]


def test_top_matches_best_first_and_without_candidates_that_share_nothing():
    matches = top_matches("电子证照签发核验", CANDIDATES, 10)
    assert [m.candidate.key for m in matches] == ["S1", "P1"]
    assert matches[0].score > matches[1].score
    assert matches[0] == Match(CANDIDATES[0], similarity("电子证照签发核验", "电子证照签发核验共享"))


def test_top_matches_limits_excludes_and_filters_by_group():
    index = SimilarityIndex(CANDIDATES)
    assert [m.candidate.key for m in index.top_matches("电子证照签发核验", 1)] == ["S1"]
    assert [m.candidate.key for m in index.top_matches("电子证照签发核验", 10, exclude={"S1"})] == ["P1"]
    assert [m.candidate.key for m in index.top_matches("电子证照签发核验", 10, group="shared_platform")] == ["P1"]
    assert index.top_matches("电子证照", 0) == []
    assert index.top_matches("", 5) == []


def test_ties_are_broken_by_key():
    index = SimilarityIndex([Candidate("B", "电子证照"), Candidate("A", "电子证照")])
    assert [m.candidate.key for m in index.top_matches("电子证照", 2)] == ["A", "B"]


def test_candidate_keys_must_be_unique():
    with pytest.raises(ValueError, match="候选条目的编号必须唯一"):
        SimilarityIndex([Candidate("A", "甲乙"), Candidate("A", "丙丁")])


def test_match_evidence_shows_the_score_in_percent():
    match = Match(CANDIDATES[0], Decimal("62.50"))
    assert match.as_evidence() == {"编号": "S1", "名称": "电子证照系统", "单位": "省政务服务和公共资源交易服务中心",
                                   "相似度": "62.50%"}


def test_index_of_thousands_of_candidates_is_fast():
    words = ["电子证照", "应急指挥", "市场监管", "社会保障", "医疗保障", "不动产登记", "公共资源交易", "生态环境监测",
             "农村集体资产", "住房公积金", "教育考试", "交通运输", "水利工程", "林草资源", "文物保护", "统计调查"]
    candidates = [
        Candidate(f"S{i}", f"{words[i % 16]}{words[(i * 7) % 16]}管理系统第{i}期：{words[(i * 3) % 16]}数据共享和业务协同")
        for i in range(5000)
    ]
    started = time.perf_counter()
    index = SimilarityIndex(candidates)
    for i in range(50):
        index.top_matches(f"建设{words[i % 16]}综合管理平台，实现{words[(i + 5) % 16]}数据共享", 5)
    assert time.perf_counter() - started < 5

"""Parse the text of the measures into chapters, articles, paragraphs and items.

Pure Python. The source text (regulation/data/) was extracted from a PDF: lines
are wrapped mid-sentence, with blank lines and page-break spaces between them.
A paragraph ends where a line ends with 。, ：/: or ；/; ; items start with (一).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "sichuan-measures-2021.txt"

NUMERALS = {"零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CHAPTER_RE = re.compile(r"^第([一二三四五六七八九十]+)章\s*(.+)$")
ARTICLE_RE = re.compile(r"^第([一二三四五六七八九十百]+)条\s*(.*)$")
ITEM_RE = re.compile(r"^[(（]([一二三四五六七八九十]+)[)）]")
PARAGRAPH_END = ("。", "：", ":", "；", ";")


def chinese_to_int(text: str) -> int:
    """一 → 1, 十八 → 18, 五十四 → 54."""
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (NUMERALS[tens] if tens else 1) * 10 + (NUMERALS[ones] if ones else 0)
    return NUMERALS[text]


@dataclass
class Paragraph:
    number: int
    text: str
    items: list[Item] = field(default_factory=list)


@dataclass
class Item:
    number: int
    text: str


@dataclass
class Article:
    number: int
    label: str
    chapter: int
    paragraphs: list[Paragraph] = field(default_factory=list)

    @property
    def text(self) -> str:
        lines = []
        for p in self.paragraphs:
            lines.append(p.text)
            lines.extend(i.text for i in p.items)
        return "\n".join(lines)

    def item(self, number: int) -> Item | None:
        for p in self.paragraphs:
            for i in p.items:
                if i.number == number:
                    return i
        return None


@dataclass
class Chapter:
    number: int
    label: str
    title: str
    articles: list[Article] = field(default_factory=list)


@dataclass
class Measures:
    title: str
    chapters: list[Chapter]

    @property
    def articles(self) -> list[Article]:
        return [a for c in self.chapters for a in c.articles]

    def article(self, number: int) -> Article:
        for a in self.articles:
            if a.number == number:
                return a
        raise KeyError(f"《办法》没有第{number}条")


def _logical_lines(raw: str) -> list[str]:
    """Undo the PDF's wrapping: join wrapped lines back into paragraphs and headings."""
    lines = [re.sub(r"\s+", " ", line).strip() for line in raw.splitlines()]
    lines = [line for line in lines if line]
    out: list[str] = []
    buffer = ""
    for line in lines:
        starts_block = CHAPTER_RE.match(line.replace(" ", "")) or ARTICLE_RE.match(line) or ITEM_RE.match(line)
        if starts_block and buffer:
            out.append(buffer)
            buffer = ""
        if CHAPTER_RE.match(line.replace(" ", "")):
            out.append(line)
            continue
        buffer = _join(buffer, line) if buffer else line
        if buffer.endswith(PARAGRAPH_END):
            out.append(buffer)
            buffer = ""
    if buffer:
        out.append(buffer)
    return out


def _join(left: str, right: str) -> str:
    # Chinese text needs no space at a line break; keep one between two Latin words or digits.
    if left[-1].isascii() and left[-1].isalnum() and right[0].isascii() and right[0].isalnum():
        return left + " " + right
    return left + right


def _tidy(text: str) -> str:
    # The PDF put a space after each full stop and inside headings; the measures have none.
    text = re.sub(r"(?<=[。，、；：）】”])\s+", "", text)
    text = re.sub(r"\s+(?=[“（【])", "", text)
    return text.strip()


def parse(raw: str) -> Measures:
    lines = _logical_lines(raw)
    title = lines[0].replace(" ", "")
    chapters: list[Chapter] = []
    article: Article | None = None
    for line in lines[1:]:
        compact = line.replace(" ", "")
        chapter_match = CHAPTER_RE.match(compact)
        if chapter_match:
            number = chinese_to_int(chapter_match.group(1))
            chapters.append(Chapter(number, f"第{chapter_match.group(1)}章", chapter_match.group(2)))
            article = None
            continue
        article_match = ARTICLE_RE.match(line)
        if article_match:
            if not chapters:
                raise ValueError("条文出现在第一章之前")
            article = Article(chinese_to_int(article_match.group(1)), f"第{article_match.group(1)}条",
                              chapters[-1].number)
            chapters[-1].articles.append(article)
            line = article_match.group(2)
            if not line:
                continue
        if article is None:
            raise ValueError(f"无法归属的文字：{line[:20]}")
        item_match = ITEM_RE.match(line)
        text = _tidy(line)
        if item_match and article.paragraphs:
            article.paragraphs[-1].items.append(Item(chinese_to_int(item_match.group(1)), text))
        else:
            article.paragraphs.append(Paragraph(len(article.paragraphs) + 1, text))
    return Measures(title=title, chapters=chapters)


@lru_cache(maxsize=1)
def measures() -> Measures:
    return parse(DATA.read_text(encoding="utf-8"))


def search(query: str) -> list[tuple[Article, str]]:
    """Articles whose text contains every word of ``query`` (spaces separate words), with a snippet."""
    words = [w for w in query.split() if w]
    if not words:
        return []
    results = []
    for article in measures().articles:
        text = article.text
        if all(w in text for w in words):
            pos = text.find(words[0])
            start = max(0, pos - 30)
            snippet = ("…" if start else "") + text[start:pos + 60] + ("…" if pos + 60 < len(text) else "")
            results.append((article, snippet))
    return results

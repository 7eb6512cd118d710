"""Text similarity for possible duplicate construction (第六条、第八条第四项和第七项、第二十一条).

第六条：“……实现政务信息系统由分散建设向共建共享共用模式转变。原则上不再批准建设孤立信息系统。”
第二十一条：“……确保各部门建设内容无重复交叉，实现共建共享要求。”

Chinese is written without spaces, so words are not split out: a text is
compared by its character n-grams (bigrams and trigrams), which catch shared
terms such as 电子证照 (电子, 子证, 证照, 电子证, 子证照) without a dictionary.
Two texts are compared by the cosine of their n-gram sets (the Otsuka–Ochiai
coefficient |A∩B| / √(|A|·|B|)), which, unlike Jaccard, does not punish a short
project description compared with a long catalogue entry.

Scores are ``Decimal`` percentages with two decimals (0.00–100.00), so they
compare exactly with a profile threshold such as ``duplicate.similarity_warn_threshold``.
The n-gram sizes are part of the method, not policy; the threshold and the
number of matches shown are profile parameters.

Pure Python and fast enough for thousands of candidates: each candidate's
n-gram set is computed once when the index is built, and a query touches only
candidates that share at least one n-gram with it (an inverted index).
"""

from __future__ import annotations

import heapq
import math
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from itertools import chain

NGRAM_SIZES = (2, 3)
_HUNDREDTH = Decimal("0.01")


def normalize(text: str) -> str:
    """Full-width to half-width (NFKC) and lower case; the text itself is kept."""
    return unicodedata.normalize("NFKC", text or "").lower()


def _segments(text: str) -> list[str]:
    """Runs of letters and digits (Chinese characters count as letters); punctuation and spaces split them."""
    segments: list[str] = []
    current: list[str] = []
    for char in normalize(text):
        if char.isalnum():
            current.append(char)
        elif current:
            segments.append("".join(current))
            current = []
    if current:
        segments.append("".join(current))
    return segments


@lru_cache(maxsize=8192)
def char_ngrams(text: str) -> frozenset[str]:
    """The set of character bigrams and trigrams of ``text``, never across punctuation.

    A segment shorter than the smallest size counts as one n-gram of its own,
    so that “云” or “OA” alone is not lost.

    >>> sorted(char_ngrams("电子证照"))
    ['子证', '子证照', '电子', '电子证', '证照']
    """
    grams: set[str] = set()
    smallest = min(NGRAM_SIZES)
    for segment in _segments(text):
        if len(segment) < smallest:
            grams.add(segment)
            continue
        for size in NGRAM_SIZES:
            grams.update(segment[i:i + size] for i in range(len(segment) - size + 1))
    return frozenset(grams)


def _percent(shared: int, size_a: int, size_b: int) -> Decimal:
    """|A∩B| / √(|A|·|B|) as a percentage rounded half-up to two decimals, computed in Decimal."""
    if not shared:
        return Decimal("0.00")
    ratio = Decimal(shared) / Decimal(size_a * size_b).sqrt()
    return (ratio * 100).quantize(_HUNDREDTH, rounding=ROUND_HALF_UP)


def similarity(a: str, b: str) -> Decimal:
    """Similarity of two texts in percent (0.00–100.00).

    >>> similarity("甲乙，丙丁", "甲乙，戊己")
    Decimal('50.00')
    """
    grams_a, grams_b = char_ngrams(a), char_ngrams(b)
    return _percent(len(grams_a & grams_b), len(grams_a), len(grams_b))


@dataclass(frozen=True)
class Candidate:
    """Something a project's text is compared with: a catalogue system, a shared platform, a declaration."""

    key: str  # unique among the candidates, e.g. the catalogue id or the platform's project number
    text: str  # the functions and contents to compare
    title: str = ""  # shown to the unit, e.g. the system's name
    group: str = ""  # what kind of candidate it is (the duplicate rule gives the values)
    owner: str = ""  # the unit that owns or declared it


@dataclass(frozen=True)
class Match:
    candidate: Candidate
    score: Decimal  # percent, two decimals

    def as_evidence(self) -> dict[str, str]:
        return {"编号": self.candidate.key, "名称": self.candidate.title, "单位": self.candidate.owner,
                "相似度": f"{self.score}%"}


class SimilarityIndex:
    """Candidates with their n-gram sets computed once, and an inverted index over them."""

    def __init__(self, candidates: Iterable[Candidate]) -> None:
        self.candidates: tuple[Candidate, ...] = tuple(candidates)
        keys = [c.key for c in self.candidates]
        if len(set(keys)) != len(keys):
            raise ValueError("候选条目的编号必须唯一")
        self._groups = frozenset(c.group for c in self.candidates)
        self._sizes: list[int] = []
        self._postings: dict[str, list[int]] = {}
        for position, candidate in enumerate(self.candidates):
            grams = char_ngrams(candidate.text)
            self._sizes.append(len(grams))
            for gram in grams:
                self._postings.setdefault(gram, []).append(position)

    def __len__(self) -> int:
        return len(self.candidates)

    @property
    def groups(self) -> frozenset[str]:
        """The groups of the candidates (computed once)."""
        return self._groups

    def _ranked(self, query: frozenset[str], excluded: set[str] | frozenset[str], group: str | None):
        """(cosine, key, match) of every candidate sharing an n-gram with ``query``, not excluded, of ``group``."""
        # Counter over the chained postings counts in C rather than in a Python loop (issue #8: the
        # pre-check compares with every declaration of the province).
        shared = Counter(chain.from_iterable(self._postings.get(gram, ()) for gram in query))
        size = len(query)
        for position, count in shared.items():
            candidate = self.candidates[position]
            if candidate.key in excluded or (group is not None and candidate.group != group):
                continue
            yield (count / math.sqrt(size * self._sizes[position]), candidate.key,
                   (candidate, count, self._sizes[position]))

    def top_matches(self, text: str, k: int, *, exclude: Iterable[str] = (), group: str | None = None) -> list[Match]:
        """The ``k`` candidates most similar to ``text``, best first (ties by key); none that share nothing.

        ``exclude`` names candidate keys to leave out (the project itself, the systems it upgrades);
        ``group``, when given, keeps only candidates of that group.
        """
        return _best([self], text, k, exclude, group)


def _best(parts, text: str, k: int, exclude: Iterable[str], group: str | None,
          hidden: Iterable[Iterable[str]] | None = None) -> list[Match]:
    """The ``k`` best matches over several indexes, ranked exactly as one index holding them all would rank them."""
    if k <= 0:
        return []
    query = char_ngrams(text)
    if not query:
        return []
    excluded = set(exclude)
    hidden = list(hidden) if hidden is not None else [()] * len(parts)
    ranked = (item for part, keys in zip(parts, hidden, strict=True)
              for item in part._ranked(query, excluded | set(keys) if keys else excluded, group))
    best = heapq.nsmallest(k, ranked, key=lambda item: (-item[0], item[1]))
    return [Match(candidate, _percent(count, len(query), size)) for _, _, (candidate, count, size) in best]


class CombinedIndex:
    """Several ``SimilarityIndex`` answering as one (same ``top_matches``, same ranking and ties), each with keys
    it hides. Lets a caller keep a large index built once (e.g. every declaration of the province, issue #8)
    and hide per query what must not be compared (the declaring unit's own projects)."""

    def __init__(self, parts: Iterable[tuple[SimilarityIndex, Iterable[str]]]) -> None:
        self.parts = [(index, frozenset(hidden)) for index, hidden in parts]
        self._groups = [index.groups for index, _ in self.parts]

    def __len__(self) -> int:
        return sum(len(index) - sum(1 for c in index.candidates if c.key in hidden) for index, hidden in self.parts)

    def top_matches(self, text: str, k: int, *, exclude: Iterable[str] = (), group: str | None = None) -> list[Match]:
        chosen = [(index, hidden) for (index, hidden), groups in zip(self.parts, self._groups, strict=True)
                  if group is None or group in groups]
        return _best([i for i, _ in chosen], text, k, exclude, group, [h for _, h in chosen])


def top_matches(text: str, candidates: Iterable[Candidate], k: int, *, exclude: Iterable[str] = (),
                group: str | None = None) -> list[Match]:
    """One-off search; build a ``SimilarityIndex`` once when comparing many texts with the same candidates."""
    return SimilarityIndex(candidates).top_matches(text, k, exclude=exclude, group=group)

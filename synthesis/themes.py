"""Themes in seconds: group short texts (notes, questions, comments, reasons) into themes.

Everything runs on this machine with scikit-learn: no network, no downloaded model.
Each text is cleaned of the stop words of its language and turned into two TF-IDF
views, one on crude word stems (a word's first six letters, accents set aside) and one on
character n-grams (which absorb typos and inflections; Chinese runs become character
pairs, so no segmenter is needed). The two views are joined and reduced by a truncated
SVD (latent semantic analysis), then clustered by consensus (evidence accumulation): many
k-means runs on the unit sphere, with several shares of the two views, numbers of SVD
dimensions, numbers of clusters and random starts, count how often each pair of texts
falls together, and the themes are cut from an average-linkage tree of that count. A
single k-means run depends on its settings and its random start; the consensus keeps
what the runs agree on. When the number of themes is not given, it is the cut with the
best silhouette in a range (3 to 12 by default). Texts with no content word (empty,
"+1", "agree") go to an "Other" theme; every input id ends in exactly one theme.

The facilitator's operations (rename, merge, split, move) are pure functions on a list
of ``Theme`` that return a new list and keep that invariant.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

import numpy as np
from scipy.cluster.hierarchy import cut_tree, linkage
from scipy.sparse import hstack, spmatrix
from scipy.spatial.distance import squareform
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

LANGUAGES = ("en", "fr", "es", "pt", "zh")
DEFAULT_LANGUAGE = "en"
MIN_THEMES = 3
MAX_THEMES = 12
# Chosen by the silhouette alone, short texts split into too many themes: the pages that
# propose themes to a facilitator allow at most one theme per this many items.
ITEMS_PER_THEME = 8
OTHER_KEY = "other"
RANDOM_STATE = 0
# Fewer content tokens than this and a text cannot be placed: it goes to "Other".
# One is enough: word-cloud entries are single words.
MIN_TOKENS = 1
# Share of the char n-gram view in the joined features (the word view has 1 - this), and
# the SVD dimensions, of a single k-means (splitting a theme in two, counting distinct
# texts). They were set by a coarse sweep (0-0.7, 8-25 dims); few dimensions suit short
# texts, which share few words.
CHAR_WEIGHT = 0.3
STEM_LENGTH = 6
SVD_DIMS = 10
# Finding themes is a consensus of many k-means runs (evidence accumulation, Fred & Jain
# 2005): one run per char n-gram share, number of SVD dimensions, number of clusters and
# random start below. How often two texts fall together is their similarity, and the
# themes are cut from an average-linkage tree of it. A single run's result hangs on its
# settings and its random start (the sweep's best setting was a narrow peak); the
# consensus keeps what the runs agree on. The ranges span the sweep's good region rather
# than a tuned point: other spans scored within 0.02 ARI on the fixture.
CONSENSUS_CHAR_WEIGHTS = (0.2, 0.3, 0.4, 0.5)
CONSENSUS_DIMS = (6, 8, 10, 12, 14, 16)
# Numbers of clusters of the runs, as shares of the most themes wanted.
CONSENSUS_K_SHARES = (2 / 3, 5 / 6, 1.0, 7 / 6, 4 / 3)
CONSENSUS_STARTS = 3  # k-means runs (random starts) per setting

_STOPWORDS_DIR = Path(__file__).resolve().parent / "stopwords"
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[^\W\d_](?:[^\W_]|['\u2019-](?=[^\W\d_]))*")


class ThemeError(ValueError):
    """A theme operation was given input it cannot apply."""


class UnknownThemeError(ThemeError):
    pass


class UnknownItemError(ThemeError):
    pass


class CannotSplitError(ThemeError):
    pass


class InvalidThemeInputError(ThemeError):
    pass


@dataclass(frozen=True)
class ThemeInput:
    """One text to place: its id, its text and its author's declared group ("" if none);
    ``language``, the code of the language it was written in ("" if unknown), is shown
    beside it and not used to place it."""

    id: str
    text: str
    group: str = ""
    language: str = field(default="", compare=False)


@dataclass(frozen=True)
class Theme:
    """A theme: a stable key, a readable label, its items and the counts per group.

    Build themes with ``make_theme`` so that ``group_counts`` always matches ``items``.
    """

    key: str
    label: str
    items: tuple[ThemeInput, ...]
    group_counts: dict[str, int] = field(compare=False)
    is_other: bool = False

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items)

    def to_dict(self) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            "item_ids": list(self.item_ids),
            "group_counts": dict(self.group_counts),
            "is_other": self.is_other,
        }


def make_theme(
    *,
    key: str,
    label: str,
    items: tuple[ThemeInput, ...] | list[ThemeInput],
    is_other: bool = False,
) -> Theme:
    """A ``Theme`` with its per-group counts computed from its items (sorted by group)."""
    items = tuple(items)
    counts = Counter(item.group for item in items)
    return Theme(
        key=key,
        label=label,
        items=items,
        group_counts=dict(sorted(counts.items())),
        is_other=is_other,
    )


# --- languages and tokens -------------------------------------------------------------


@cache
def stop_words(language: str) -> frozenset[str]:
    """The stop words of a supported language (English: scikit-learn's list plus ours)."""
    if language not in LANGUAGES:
        raise InvalidThemeInputError(f"unsupported language {language!r}")
    words = set()
    path = _STOPWORDS_DIR / f"{language}.txt"
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.add(_fold(line))
    if language == "en":
        words |= set(ENGLISH_STOP_WORDS)
    return frozenset(words)


@cache
def _zh_stop_words() -> tuple[tuple[str, ...], frozenset[str]]:
    words = stop_words("zh")
    multi = tuple(sorted((w for w in words if len(w) > 1), key=len, reverse=True))
    single = frozenset(w for w in words if len(w) == 1)
    return multi, single


def _fold(text: str) -> str:
    """Lower case, NFC; the apostrophes unified (accents are kept: they carry meaning)."""
    return unicodedata.normalize("NFC", text).lower().replace("\u2019", "'")


def detect_language(*, text: str, default: str = DEFAULT_LANGUAGE) -> str:
    """A cheap guess: Chinese if a third of the letters are CJK, else the language whose
    stop words occur most in the text (ties and no hits: ``default``)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return default
    if sum(1 for c in letters if _CJK.match(c)) * 3 >= len(letters):
        return "zh"
    words = [w.strip("'-") for w in _WORD.findall(_fold(text))]
    hits = {
        lang: sum(1 for w in words if w in stop_words(lang)) for lang in ("en", "fr", "es", "pt")
    }
    best = max(hits.values())
    if best == 0 or hits.get(default, -1) == best:
        return default
    return next(lang for lang in ("en", "fr", "es", "pt") if hits[lang] == best)


def tokens(*, text: str, language: str) -> list[str]:
    """Content tokens: words without stop words (and elisions such as l', d'), and for
    Chinese runs the character pairs left once stop words are cut out."""
    folded = _fold(text)
    out: list[str] = []
    stops = stop_words(language)
    multi, single = _zh_stop_words()
    pos = 0
    for run in _CJK_RUN.finditer(folded):
        out.extend(_latin_tokens(folded[pos : run.start()], stops))
        out.extend(_cjk_tokens(run.group(), multi, single))
        pos = run.end()
    out.extend(_latin_tokens(folded[pos:], stops))
    return out


def _latin_tokens(text: str, stops: frozenset[str]) -> list[str]:
    out = []
    for word in _WORD.findall(text):
        word = word.strip("'-")
        if "'" in word:
            head, _, tail = word.partition("'")
            # French/Italian elisions (l'eau, d'origine) and English clitics (don't).
            word = tail if len(head) <= 2 and len(tail) >= 2 else head
        if len(word) > 1 and word not in stops:
            out.append(word)
    return out


def _cjk_tokens(run: str, multi: tuple[str, ...], single: frozenset[str]) -> list[str]:
    for word in multi:
        run = run.replace(word, " ")
    pieces = "".join(" " if c in single else c for c in run).split()
    out = []
    for piece in pieces:
        if len(piece) == 1:
            out.append(piece)
        else:
            out.extend(piece[i : i + 2] for i in range(len(piece) - 1))
    return out


def _unaccented(token: str) -> str:
    """The token without its accents (diligência, diligencia; traçabilité, tracabilite),
    for comparing texts only: typed without accents, or cognates across languages."""
    return "".join(c for c in unicodedata.normalize("NFD", token) if not unicodedata.combining(c))


def _char_grams(toks: list[str]) -> list[str]:
    grams = []
    for tok in toks:
        if _CJK.match(tok):
            grams.append(tok)
            continue
        padded = f" {_unaccented(tok)} "
        for n in (3, 4, 5):
            grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


def _stem(token: str) -> str:
    """A deliberately crude, language-free stemmer: a word's first ``STEM_LENGTH``
    letters (recycling/recycled/recyclers, community/communities meet)."""
    return token if _CJK.match(token) else token[:STEM_LENGTH]


def _word_grams(toks: list[str]) -> list[str]:
    return [_stem(tok if _CJK.match(tok) else _unaccented(tok)) for tok in toks]


def _label_grams(toks: list[str]) -> list[str]:
    """Label candidates: words and word pairs; for Chinese, every 2 to 4 character
    substring of the runs rebuilt from the overlapping character pairs."""
    out = [t for t in toks if not _CJK.match(t)]
    out += [f"{a} {b}" for a, b in itertools.pairwise(toks) if not (_CJK.match(a) or _CJK.match(b))]
    runs: list[str] = []
    prev = ""
    for tok in toks:
        if not _CJK.match(tok):
            prev = ""
            continue
        if prev and len(tok) == 2 and prev[-1] == tok[0]:
            runs[-1] += tok[1]
        else:
            runs.append(tok)
        prev = tok
    for run in runs:
        out.extend({run[i : i + n] for n in (2, 3, 4) for i in range(len(run) - n + 1)} or {run})
    return out


# --- finding themes -------------------------------------------------------------------


@dataclass
class _Features:
    matrix: np.ndarray  # rows L2-normalised, for clustering
    word_tfidf: spmatrix  # sparse TF-IDF of unstemmed words and word pairs, for labels
    word_terms: np.ndarray
    stems: spmatrix  # TF-IDF of the stems (rows L2-normalised)
    chars: spmatrix | None  # TF-IDF of the char n-grams, None when no n-gram is shared


def _joined(stems: spmatrix, chars: spmatrix | None, char_weight: float) -> spmatrix:
    """The two views side by side, the char n-grams with ``char_weight`` of the weight."""
    if chars is None or char_weight <= 0:
        return stems
    return hstack([stems * np.sqrt(1 - char_weight), chars * np.sqrt(char_weight)]).tocsr()


def _lsa(joined: spmatrix, dims: int, *, random_state: int) -> np.ndarray | None:
    """Latent semantic analysis: ``joined`` reduced to ``dims`` dimensions (fewer when the
    matrix is too small; ``None`` when it is too small for two)."""
    n_rows, n_cols = joined.shape
    dims = min(dims, n_rows - 1, n_cols - 1)
    if dims < 2:
        return None
    with np.errstate(invalid="ignore", divide="ignore"):  # identical rows: no variance
        return TruncatedSVD(n_components=dims, random_state=random_state).fit_transform(joined)


def _reduced(joined: spmatrix, dims: int, *, random_state: int) -> np.ndarray:
    """``joined`` reduced by ``_lsa`` (or as it is, when too small), rows L2-normalised."""
    reduced = _lsa(joined, dims, random_state=random_state)
    return normalize(joined.toarray() if reduced is None else reduced)


def _features(token_lists: list[list[str]]) -> _Features:
    min_df = 2 if len(token_lists) >= 50 else 1
    word_vec = TfidfVectorizer(analyzer=_word_grams, sublinear_tf=True, min_df=min_df)
    try:
        words = word_vec.fit_transform(token_lists)
    except ValueError:  # no stem shared by two texts
        word_vec = TfidfVectorizer(analyzer=_word_grams, sublinear_tf=True)
        words = word_vec.fit_transform(token_lists)
    char_vec = TfidfVectorizer(analyzer=_char_grams, sublinear_tf=True, min_df=min_df)
    try:
        chars = char_vec.fit_transform(token_lists)
    except ValueError:  # no n-gram shared by two texts: words alone
        chars = None
    label_vec = TfidfVectorizer(analyzer=_label_grams, sublinear_tf=True)
    return _Features(
        matrix=_reduced(_joined(words, chars, CHAR_WEIGHT), SVD_DIMS, random_state=RANDOM_STATE),
        word_tfidf=label_vec.fit_transform(token_lists),
        word_terms=label_vec.get_feature_names_out(),
        stems=words,
        chars=chars,
    )


def _kmeans(matrix: np.ndarray, k: int) -> np.ndarray:
    # One thread: on small matrices BLAS/OpenMP threads cost more than they give.
    with threadpool_limits(limits=1):
        return KMeans(n_clusters=k, n_init=10, random_state=RANDOM_STATE).fit_predict(matrix)


def _co_association(features: _Features, *, high: int, distinct: int) -> np.ndarray:
    """How often each pair of texts falls in the same k-means cluster, over runs with
    each char n-gram share, number of SVD dimensions and number of clusters (around
    ``high``) of the ``CONSENSUS_*`` settings."""
    n = features.matrix.shape[0]
    rng = np.random.RandomState(RANDOM_STATE)
    # At most one cluster per two distinct texts: a run that isolates texts tells nothing.
    most = max(2, distinct // 2)
    ks = sorted({min(max(2, round(high * share)), most) for share in CONSENSUS_K_SHARES})
    weights = CONSENSUS_CHAR_WEIGHTS if features.chars is not None else (0.0,)
    together = np.zeros((n, n))
    runs = 0
    for char_weight in weights:
        # One SVD per share: the first d components of an SVD are the d-dimensional one.
        joined = _joined(features.stems, features.chars, char_weight)
        full = _lsa(joined, max(CONSENSUS_DIMS), random_state=rng.randint(2**31 - 1))
        if full is None:
            matrices = [normalize(joined.toarray())]
        else:
            dims_used = sorted({min(dims, full.shape[1]) for dims in CONSENSUS_DIMS})
            matrices = [normalize(full[:, :dims]) for dims in dims_used]
        for matrix in matrices:
            for k, _ in itertools.product(ks, range(CONSENSUS_STARTS)):
                labels = KMeans(
                    n_clusters=k, n_init=1, random_state=rng.randint(2**31 - 1)
                ).fit_predict(matrix)
                together += labels[:, None] == labels[None, :]
                runs += 1
    return together / runs


def _consensus_partition(features: _Features, *, low: int, high: int, distinct: int) -> np.ndarray:
    """The partition cut from the average-linkage tree of the co-association: with
    ``low == high`` that many themes, otherwise the cut with the best silhouette."""
    distance = 1.0 - _co_association(features, high=high, distinct=distinct)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method="average")
    cuts = cut_tree(tree, n_clusters=list(range(low, high + 1)))
    if low == high:
        return cuts[:, 0]
    best_labels, best_score = None, -2.0
    for labels in cuts.T:
        if not 2 <= len(set(labels)) < len(labels):
            continue
        score = silhouette_score(distance, labels, metric="precomputed")
        if score > best_score + 1e-9:
            best_labels, best_score = labels, score
    if best_labels is None:
        return np.zeros(distance.shape[0], dtype=int)
    return best_labels


def _label(*, rows: list[int], features: _Features, size: int = 3) -> str:
    """Up to ``size`` top terms of the rows' mean TF-IDF, without repeats: a word pair
    replaces its words when it ranks high enough; a longer Chinese string its parts."""
    centroid = np.asarray(features.word_tfidf[rows].mean(axis=0)).ravel()
    terms = [str(t) for t in features.word_terms]
    # Among equally strong Chinese substrings, the longer reads better (电池回收, not 池回).
    cjk = np.array([bool(_CJK.match(t)) for t in terms])
    bonus = np.array([1 + 0.05 * (len(t) - 2) for t in terms])
    score = centroid * np.where(cjk, bonus, 1.0)
    # Chinese substrings are only readable when shared: keep those in half the items (in
    # two, then in one, when no term is in half: a theme of Chinese notes on varied topics).
    in_items = np.asarray((features.word_tfidf[rows] > 0).sum(axis=0)).ravel()
    for least in ((len(rows) + 1) // 2, 2, 1):
        kept = np.where((in_items >= least) | ~cjk, score, 0.0)
        if kept.max(initial=0.0) > 0:
            break
    score = kept
    order = np.argsort(-score, kind="stable")
    chosen: list[str] = []
    for idx in order[: size * 10]:
        if score[idx] <= 0:
            continue
        term = terms[idx]
        if _CJK.match(term):
            pairs = {term[i : i + 2] for i in range(len(term) - 1)}
            if any(pair in c for pair in pairs for c in chosen):
                continue  # overlaps a chosen string
        else:
            keys = _word_keys(term)
            if len(keys) > 1:
                if score[idx] < 0.5 * score[order[0]]:
                    continue
                inside = [c for c in chosen if _word_keys(c) <= keys]
                if any(_word_keys(c) & keys for c in chosen if c not in inside):
                    continue  # shares a word with another chosen term
                chosen = [c for c in chosen if c not in inside]
            elif any(keys & _word_keys(c) for c in chosen):
                continue  # already said (in a chosen pair, or as singular/plural)
        chosen.append(term)
        if len(chosen) >= size:
            break
    return ", ".join(chosen) or "…"


def _word_keys(term: str) -> set[str]:
    return {_stem(part.removesuffix("s")) for part in term.split(" ")}


def proposed_themes(*, texts: list[ThemeInput], other_label: str = "Other") -> list[Theme]:
    """The themes a facilitator's page proposes: ``find_themes`` with at most one theme
    per ``ITEMS_PER_THEME`` items (and ``MIN_THEMES`` to ``MAX_THEMES``)."""
    return find_themes(
        texts=texts,
        max_themes=min(MAX_THEMES, max(MIN_THEMES, len(texts) // ITEMS_PER_THEME)),
        other_label=other_label,
    )


def find_themes(
    *,
    texts: list[ThemeInput],
    language: str | None = None,
    max_themes: int | None = None,
    min_themes: int | None = None,
    n_themes: int | None = None,
    other_label: str = "Other",
) -> list[Theme]:
    """Group ``texts`` into themes, largest first, with "Other" (if any) last.

    ``language``: the stop words to use for every text; ``None`` guesses it per text.
    ``n_themes`` fixes the number of themes (besides Other); otherwise it is chosen by
    silhouette between ``min_themes`` (default 3) and ``max_themes`` (default 12).
    Deterministic: the same input gives the same themes.
    """
    if language is not None and language not in LANGUAGES:
        raise InvalidThemeInputError(f"unsupported language {language!r}")
    ids = [t.id for t in texts]
    if len(set(ids)) != len(ids):
        raise InvalidThemeInputError("duplicate item ids")
    for bound in (max_themes, min_themes, n_themes):
        if bound is not None and bound < 1:
            raise InvalidThemeInputError("numbers of themes must be at least 1")

    with threadpool_limits(limits=1):
        return _find_themes(
            texts=texts,
            language=language,
            max_themes=max_themes,
            min_themes=min_themes,
            n_themes=n_themes,
            other_label=other_label,
        )


def _find_themes(
    *,
    texts: list[ThemeInput],
    language: str | None,
    max_themes: int | None,
    min_themes: int | None,
    n_themes: int | None,
    other_label: str,
) -> list[Theme]:
    ids = [t.id for t in texts]
    placed: list[ThemeInput] = []
    token_lists: list[list[str]] = []
    other: list[ThemeInput] = []
    for item in texts:
        lang = language or detect_language(text=item.text)
        toks = tokens(text=item.text, language=lang)
        if len(toks) < MIN_TOKENS:
            other.append(item)
        else:
            placed.append(item)
            token_lists.append(toks)

    themes: list[Theme] = []
    if len(placed) >= 2:
        features = _features(token_lists)
        # Repeated texts (word clouds) are one point: no more themes than distinct points.
        distinct = len(np.unique(features.matrix.round(9), axis=0))
        if n_themes is not None:
            low = high = min(n_themes, distinct)
        else:
            high = min(max_themes or MAX_THEMES, distinct, len(placed) - 1)
            low = max(2, min(min_themes or MIN_THEMES, high))
        if high < 2:
            labels = np.zeros(len(placed), dtype=int)
        else:
            labels = _consensus_partition(
                features, low=min(low, high), high=high, distinct=distinct
            )
        groups: dict[int, list[int]] = {}
        for row, lab in enumerate(labels):
            groups.setdefault(int(lab), []).append(row)
        ordered = sorted(groups.values(), key=lambda rows: (-len(rows), rows[0]))
        for number, rows in enumerate(ordered, 1):
            themes.append(
                make_theme(
                    key=f"theme-{number}",
                    label=_label(rows=rows, features=features),
                    items=[placed[r] for r in rows],
                )
            )
    else:
        other = placed + other
        other.sort(key=lambda item: ids.index(item.id))
    if other:
        themes.append(make_theme(key=OTHER_KEY, label=other_label, items=other, is_other=True))
    return themes


# --- the facilitator's operations ------------------------------------------------------


def _index(themes: list[Theme], key: str) -> int:
    for i, theme in enumerate(themes):
        if theme.key == key:
            return i
    raise UnknownThemeError(f"unknown theme {key!r}")


def _new_key(themes: list[Theme]) -> str:
    numbers = [int(t.key.rsplit("-", 1)[1]) for t in themes if re.fullmatch(r"theme-\d+", t.key)]
    return f"theme-{max(numbers, default=0) + 1}"


def _clean_label(label: str) -> str:
    label = " ".join(label.split())
    if not label:
        raise ThemeError("a theme label cannot be empty")
    if len(label) > 120:
        raise ThemeError("a theme label has at most 120 characters")
    return label


def rename_theme(*, themes: list[Theme], key: str, label: str) -> list[Theme]:
    """The themes with theme ``key`` relabelled."""
    i = _index(themes, key)
    out = list(themes)
    out[i] = replace(themes[i], label=_clean_label(label))
    return out


def merge_themes(
    *, themes: list[Theme], key: str, into: str, label: str | None = None
) -> list[Theme]:
    """Theme ``key`` merged into theme ``into`` (which keeps its place, key and label
    unless ``label`` is given). Merging into Other makes the result Other."""
    if key == into:
        raise ThemeError("cannot merge a theme with itself")
    source, target = _index(themes, key), _index(themes, into)
    kept = themes[target]
    merged = make_theme(
        key=kept.key,
        label=_clean_label(label) if label is not None else kept.label,
        items=kept.items + themes[source].items,
        is_other=kept.is_other,
    )
    return [merged if i == target else t for i, t in enumerate(themes) if i != source]


def split_theme(*, themes: list[Theme], key: str, language: str | None = None) -> list[Theme]:
    """Theme ``key`` re-clustered into two: the larger part keeps the key, the other gets
    a new key and goes right after it; both are labelled from their own top terms."""
    i = _index(themes, key)
    theme = themes[i]
    if len(theme.items) < 2:
        raise CannotSplitError("a theme of one item cannot be split")
    token_lists = [
        tokens(text=item.text, language=language or detect_language(text=item.text))
        for item in theme.items
    ]
    rows_a: list[int]
    rows_b: list[int]
    try:
        features = _features([toks or ["∅"] for toks in token_lists])
        distinct = len(np.unique(features.matrix.round(9), axis=0))
        if distinct < 2:
            labels = np.zeros(len(theme.items), dtype=int)
        else:
            labels = _kmeans(features.matrix, 2) if len(theme.items) > 2 else np.array([0, 1])
    except ValueError:
        features, labels = None, np.zeros(len(theme.items), dtype=int)
    rows_a = [r for r, lab in enumerate(labels) if lab == labels[0]]
    rows_b = [r for r, lab in enumerate(labels) if lab != labels[0]]
    if not rows_b:  # identical texts: nothing to tell apart, split in order
        half = (len(theme.items) + 1) // 2
        rows_a, rows_b = list(range(half)), list(range(half, len(theme.items)))
    if len(rows_b) > len(rows_a):
        rows_a, rows_b = rows_b, rows_a
    parts = []
    for rows, part_key in ((sorted(rows_a), theme.key), (sorted(rows_b), _new_key(themes))):
        label = theme.label
        if features is not None and not theme.is_other:
            label = _label(rows=rows, features=features)
        parts.append(
            make_theme(
                key=part_key,
                label=label,
                items=[theme.items[r] for r in rows],
                is_other=theme.is_other,
            )
        )
    return themes[:i] + parts + themes[i + 1 :]


def move_item(*, themes: list[Theme], item_id: str, to: str) -> list[Theme]:
    """Item ``item_id`` moved to the end of theme ``to``; a theme left empty is removed."""
    target = _index(themes, to)
    source = next((i for i, theme in enumerate(themes) if item_id in theme.item_ids), None)
    if source is None:
        raise UnknownItemError(f"unknown item {item_id!r}")
    if source == target:
        return list(themes)
    item = next(it for it in themes[source].items if it.id == item_id)
    out = []
    for i, theme in enumerate(themes):
        if i == source:
            rest = tuple(it for it in theme.items if it.id != item_id)
            if rest:
                out.append(
                    make_theme(
                        key=theme.key, label=theme.label, items=rest, is_other=theme.is_other
                    )
                )
        elif i == target:
            out.append(
                make_theme(
                    key=theme.key,
                    label=theme.label,
                    items=(*theme.items, item),
                    is_other=theme.is_other,
                )
            )
        else:
            out.append(theme)
    return out


def assignment(*, themes: list[Theme]) -> dict[str, str]:
    """Item id -> theme key (for scoring and for checking the one-theme-per-item rule)."""
    out: dict[str, str] = {}
    for theme in themes:
        for item_id in theme.item_ids:
            if item_id in out:
                raise ThemeError(f"item {item_id!r} is in two themes")
            out[item_id] = theme.key
    return out

"""Theme finding (synthesis/themes.py): invariant, determinism, labels, groups, languages,
quality on the labelled fixture, and the facilitator's operations."""

import json
import random
from pathlib import Path

import pytest
from sklearn.metrics import adjusted_rand_score

from synthesis import themes as T
from synthesis.themes import ThemeInput

FIXTURE = Path(__file__).resolve().parents[2] / "synthesis" / "fixtures" / "themes_fixture.json"
ROWS = json.loads(FIXTURE.read_text(encoding="utf-8"))
INPUTS = [ThemeInput(id=r["id"], text=r["text"], group=r["group"]) for r in ROWS]

SMALL = [
    ThemeInput(id="a1", text="Battery recycling plants in Europe", group="industry_downstream"),
    ThemeInput(id="a2", text="Recycling of old batteries from cars", group="policy"),
    ThemeInput(id="a3", text="More battery recycling and collection", group="industry_downstream"),
    ThemeInput(id="b1", text="Indigenous communities must consent", group="civil_society"),
    ThemeInput(id="b2", text="Consent of local indigenous communities", group="community_labour"),
    ThemeInput(id="b3", text="Land rights of indigenous communities", group=""),
    ThemeInput(id="c1", text="Independent audits of mine certification", group="research"),
    ThemeInput(id="c2", text="Certification audits are too costly", group="industry_upstream"),
    ThemeInput(id="c3", text="Public audits for certification schemes", group="civil_society"),
    ThemeInput(id="x1", text="ok", group="policy"),
    ThemeInput(id="x2", text="", group=""),
]


def partition(themes):
    return sorted(sorted(t.item_ids) for t in themes)


@pytest.fixture(scope="module")
def fixture_themes():
    return T.find_themes(texts=INPUTS)


def test_fixture_is_large_labelled_and_uneven():
    sizes = {}
    for row in ROWS:
        sizes[row["theme"]] = sizes.get(row["theme"], 0) + 1
    assert len(ROWS) >= 300
    assert len({r["id"] for r in ROWS}) == len(ROWS)
    assert 8 <= len(sizes) <= 13
    assert max(sizes.values()) >= 3 * min(s for k, s in sizes.items() if k != "other")


def test_every_item_in_exactly_one_theme(fixture_themes):
    ids = [i for t in fixture_themes for i in t.item_ids]
    assert sorted(ids) == sorted(r["id"] for r in ROWS)
    assert len(ids) == len(set(ids))
    assert T.assignment(themes=fixture_themes) == {
        i: t.key for t in fixture_themes for i in t.item_ids
    }


def test_short_and_empty_texts_go_to_other_last():
    themes = T.find_themes(texts=SMALL)
    assert themes[-1].is_other and themes[-1].key == T.OTHER_KEY and themes[-1].label == "Other"
    assert set(themes[-1].item_ids) == {"x1", "x2"}
    assert partition(themes[:-1]) == [["a1", "a2", "a3"], ["b1", "b2", "b3"], ["c1", "c2", "c3"]]


def test_deterministic():
    first = T.find_themes(texts=INPUTS)
    second = T.find_themes(texts=list(INPUTS))
    assert [t.to_dict() for t in first] == [t.to_dict() for t in second]


def test_labels_from_top_terms():
    themes = {frozenset(t.item_ids): t.label for t in T.find_themes(texts=SMALL)}
    assert "recycling" in themes[frozenset({"a1", "a2", "a3"})]
    assert "indigenous communities" in themes[frozenset({"b1", "b2", "b3"})]
    assert (
        "audits" in themes[frozenset({"c1", "c2", "c3"})]
        or "certification" in themes[frozenset({"c1", "c2", "c3"})]
    )
    for label in themes.values():
        assert 1 <= len(label.split(", ")) <= 3


def test_counts_per_group():
    by_items = {frozenset(t.item_ids): t for t in T.find_themes(texts=SMALL)}
    assert by_items[frozenset({"a1", "a2", "a3"})].group_counts == {
        "industry_downstream": 2,
        "policy": 1,
    }
    assert by_items[frozenset({"b1", "b2", "b3"})].group_counts == {
        "": 1,
        "civil_society": 1,
        "community_labour": 1,
    }
    assert by_items[frozenset({"x1", "x2"})].group_counts == {"": 1, "policy": 1}


def test_number_of_themes_bounds():
    assert len(T.find_themes(texts=INPUTS, n_themes=5)) == 6  # 5 + Other
    assert len(T.find_themes(texts=INPUTS, max_themes=4)) <= 5
    with pytest.raises(T.InvalidThemeInputError):
        T.find_themes(texts=SMALL, n_themes=0)
    with pytest.raises(T.InvalidThemeInputError):
        T.find_themes(texts=SMALL, language="de")
    with pytest.raises(T.InvalidThemeInputError):
        T.find_themes(texts=[SMALL[0], SMALL[0]])
    assert T.find_themes(texts=[]) == []


def test_adjusted_rand_index_floor(fixture_themes):
    """The bench's computation (bench/synthesis_themes.py: ``find_themes`` with its
    defaults on the fixture, scored against the labels): 0.451 measured, 0.446 to 0.479
    over 16 random states and input orders. Issue 17 aims at 0.5, not reached yet
    (docs/synthesis.md, "Themes")."""
    found = T.assignment(themes=fixture_themes)
    ari = adjusted_rand_score([r["theme"] for r in ROWS], [found[r["id"]] for r in ROWS])
    assert ari >= 0.44


@pytest.mark.parametrize("order", ["reversed", "shuffled"])
def test_adjusted_rand_index_does_not_hang_on_input_order(order):
    """The consensus of many runs is stable: the same notes in another order score about
    the same (0.449 reversed, 0.475 shuffled)."""
    rows = ROWS[::-1] if order == "reversed" else random.Random(1).sample(ROWS, len(ROWS))
    themes = T.find_themes(
        texts=[ThemeInput(id=r["id"], text=r["text"], group=r["group"]) for r in rows]
    )
    found = T.assignment(themes=themes)
    ari = adjusted_rand_score([r["theme"] for r in rows], [found[r["id"]] for r in rows])
    assert ari >= 0.43
    assert sorted(found) == sorted(r["id"] for r in ROWS)


@pytest.mark.parametrize("language", ["en", "fr", "es", "pt", "zh"])
def test_stop_words_for_each_language(language):
    words = T.stop_words(language)
    assert len(words) >= (300 if language == "en" else 130)
    sample = {"en": "the", "fr": "les", "es": "los", "pt": "não", "zh": "的"}[language]
    assert sample in words


def test_stop_words_removed_per_language():
    assert T.tokens(text="Los derechos de las comunidades", language="es") == [
        "derechos",
        "comunidades",
    ]
    assert T.tokens(text="La traçabilité de l'or", language="fr") == ["traçabilité", "or"]
    assert T.tokens(text="社区的权利", language="zh") == ["社区", "权利"]
    assert T.detect_language(text="Los derechos de las comunidades indígenas") == "es"
    assert T.detect_language(text="当地社区的土地权利") == "zh"
    assert T.detect_language(text="Droits des communautés et consentement") == "fr"
    assert T.detect_language(text="") == "en"


SPANISH = [
    "Reciclaje de baterías de litio",
    "Reciclaje de baterías usadas",
    "Más reciclaje de las baterías",
    "Derechos de las comunidades indígenas",
    "Consulta a las comunidades indígenas",
    "Respetar a las comunidades indígenas",
    "Auditorías independientes de minas",
    "Auditorías de las minas cada año",
    "Auditorías públicas de minas",
]
CHINESE = [
    "电池回收利用",
    "废旧电池回收",
    "电池回收体系",
    "社区土地权利",
    "当地社区的权利",
    "尊重社区权利",
    "矿山审计认证",
    "独立审计认证",
    "第三方审计认证",
]


@pytest.mark.parametrize(
    "texts,language", [(SPANISH, "es"), (CHINESE, "zh"), (SPANISH, None), (CHINESE, None)]
)
def test_spanish_and_chinese_small_cases(texts, language):
    inputs = [ThemeInput(id=str(i), text=t) for i, t in enumerate(texts)]
    themes = T.find_themes(texts=inputs, language=language)
    assert partition(themes) == [["0", "1", "2"], ["3", "4", "5"], ["6", "7", "8"]]
    labels = {frozenset(t.item_ids): t.label for t in themes}
    if texts is SPANISH:
        assert "reciclaje" in labels[frozenset({"0", "1", "2"})]
        assert not {"de", "las", "a"} & set(" ".join(labels.values()).replace(",", " ").split())
    else:
        assert labels[frozenset({"0", "1", "2"})] == "电池回收"  # battery recycling
        assert "的" not in "".join(labels.values())


def test_chinese_theme_on_varied_topics_still_has_a_label():
    """No Chinese string in half the notes: the label takes those in two notes, not "…"."""
    inputs = [ThemeInput(id=str(i), text=t) for i, t in enumerate(CHINESE)]
    [theme] = T.find_themes(texts=inputs, n_themes=1)
    assert theme.label == "电池回收, 审计认证, 权利"


def test_five_hundred_notes():
    notes = [
        ThemeInput(id=f"{r['id']}-{copy}", text=r["text"], group=r["group"])
        for copy in range(2)
        for r in ROWS
    ][:500]
    themes = T.find_themes(texts=notes)
    assert sum(len(t.items) for t in themes) == 500


# --- operations ---------------------------------------------------------------------


@pytest.fixture
def small_themes():
    return T.find_themes(texts=SMALL)


def key_of(themes, item_id):
    return T.assignment(themes=themes)[item_id]


def check_invariant(themes):
    ids = [i for t in themes for i in t.item_ids]
    assert sorted(ids) == sorted(s.id for s in SMALL)
    for theme in themes:
        assert theme.items
        counts = {}
        for item in theme.items:
            counts[item.group] = counts.get(item.group, 0) + 1
        assert theme.group_counts == counts


def test_rename(small_themes):
    key = key_of(small_themes, "a1")
    renamed = T.rename_theme(themes=small_themes, key=key, label="  Battery   recycling ")
    assert next(t for t in renamed if t.key == key).label == "Battery recycling"
    assert small_themes[0].label != "Battery recycling" or small_themes[0].key != key
    check_invariant(renamed)
    with pytest.raises(T.UnknownThemeError):
        T.rename_theme(themes=small_themes, key="nope", label="x")
    with pytest.raises(T.ThemeError):
        T.rename_theme(themes=small_themes, key=key, label="   ")


def test_merge(small_themes):
    a, b = key_of(small_themes, "a1"), key_of(small_themes, "b1")
    merged = T.merge_themes(themes=small_themes, key=b, into=a, label="Recycling and rights")
    assert len(merged) == len(small_themes) - 1
    target = next(t for t in merged if t.key == a)
    assert set(target.item_ids) == {"a1", "a2", "a3", "b1", "b2", "b3"}
    assert target.label == "Recycling and rights"
    assert target.group_counts == {
        "": 1,
        "civil_society": 1,
        "community_labour": 1,
        "industry_downstream": 2,
        "policy": 1,
    }
    check_invariant(merged)
    with pytest.raises(T.ThemeError):
        T.merge_themes(themes=small_themes, key=a, into=a)
    with pytest.raises(T.UnknownThemeError):
        T.merge_themes(themes=small_themes, key="nope", into=a)


def test_split(small_themes):
    a, b = key_of(small_themes, "a1"), key_of(small_themes, "b1")
    merged = T.merge_themes(themes=small_themes, key=b, into=a)
    split = T.split_theme(themes=merged, key=a)
    check_invariant(split)
    assert partition(t for t in split if not t.is_other) == [
        ["a1", "a2", "a3"],
        ["b1", "b2", "b3"],
        ["c1", "c2", "c3"],
    ]
    keys = [t.key for t in split]
    assert len(keys) == len(set(keys)) and a in keys
    labels = {frozenset(t.item_ids): t.label for t in split}
    assert "recycling" in labels[frozenset({"a1", "a2", "a3"})]
    assert "indigenous communities" in labels[frozenset({"b1", "b2", "b3"})]


def test_split_identical_texts_and_errors():
    same = [ThemeInput(id=str(i), text="Battery recycling targets") for i in range(4)]
    themes = [T.make_theme(key="theme-1", label="x", items=same)]
    split = T.split_theme(themes=themes, key="theme-1")
    assert [len(t.items) for t in split] == [2, 2]
    one = T.make_theme(key="theme-1", label="x", items=same[:1])
    with pytest.raises(T.CannotSplitError):
        T.split_theme(themes=[one], key="theme-1")
    with pytest.raises(T.UnknownThemeError):
        T.split_theme(themes=[one], key="theme-9")


def test_move(small_themes):
    a, c = key_of(small_themes, "a1"), key_of(small_themes, "c1")
    moved = T.move_item(themes=small_themes, item_id="a1", to=c)
    check_invariant(moved)
    assert key_of(moved, "a1") == c
    assert next(t for t in moved if t.key == c).group_counts["industry_downstream"] == 1
    assert next(t for t in moved if t.key == a).group_counts == {
        "industry_downstream": 1,
        "policy": 1,
    }
    assert T.move_item(themes=small_themes, item_id="a1", to=a) == small_themes
    # Emptying a theme removes it.
    for item_id in ("x1", "x2"):
        moved = T.move_item(themes=moved, item_id=item_id, to=a)
    assert T.OTHER_KEY not in [t.key for t in moved]
    check_invariant(moved)
    with pytest.raises(T.UnknownItemError):
        T.move_item(themes=small_themes, item_id="zz", to=a)
    with pytest.raises(T.UnknownThemeError):
        T.move_item(themes=small_themes, item_id="a1", to="nope")


def test_word_cloud_entries_are_placed_and_repeats_grouped():
    words = ["traceability", "recycling", "consent", "recycling", "traceability", "consent", "ok"]
    themes = T.find_themes(texts=[ThemeInput(id=str(i), text=w) for i, w in enumerate(words)])
    assert partition(themes) == [["0", "4"], ["1", "3"], ["2", "5"], ["6"]]
    assert themes[-1].is_other and themes[-1].item_ids == ("6",)
    same = T.find_themes(
        texts=[ThemeInput(id=str(i), text="recycling") for i in range(4)], n_themes=3
    )
    assert [t.item_ids for t in same] == [("0", "1", "2", "3")]

from __future__ import annotations

import pytest

from callqa.storage import SearchQueryError
from callqa.storage.search import make_snippet, parse_query


@pytest.fixture
def filled(storage, make_conv):
    storage.save_conversation(make_conv("c1", tenant="vinparts"))
    storage.save_conversation(make_conv("c2", tenant="telecom", texts=[
        ("operator", "Добрый день, вам звонит оператор связи."),
        ("customer", "Я звонил вчера насчёт доставки роутера."),
        ("operator", "Курьер привезёт роутер завтра."),
    ]))
    return storage


def _ids(hits):
    return sorted((h.call_id, h.utterance_index) for h in hits)


def test_lemma_search_finds_other_word_forms(filled, make_conv):
    # "звонить" finds "звоните" (c1), "звонит" and "звонил" (c2)
    assert _ids(filled.search("звонить")) == [("c1", 1), ("c2", 0), ("c2", 1)]
    assert _ids(filled.search("звоните")) == _ids(filled.search("звонить"))
    assert _ids(filled.search("доставка")) == [("c2", 1)]  # "доставки"
    assert _ids(filled.search("ДОСТАВКУ")) == [("c2", 1)]


def test_phrase_prefix_boolean(filled, make_conv):
    assert _ids(filled.search('"не звонить"')) == [("c1", 1)]
    assert _ids(filled.search('"звонить не"')) == []  # order matters in a phrase
    assert _ids(filled.search("роут*")) == [("c2", 1), ("c2", 2)]
    assert _ids(filled.search("роутер NOT курьер")) == [("c2", 1)]
    assert _ids(filled.search("курьер OR винпартс")) == [("c1", 0), ("c2", 2)]
    assert _ids(filled.search("ё-моё")) == []  # no match is not an error


def test_filters_and_hit_fields(filled, make_conv):
    hits = filled.search("звонить", tenant="telecom", role="customer")
    assert _ids(hits) == [("c2", 1)]
    h = hits[0]
    assert h.role == "customer" and h.start_s is not None and h.tenant == "telecom"
    assert "[звонил]" in h.snippet
    assert filled.search("звонить", call_id="c1")[0].call_id == "c1"


@pytest.mark.parametrize("bad", ['"незакрытая', "", "   ", "OR звонить", "звонить NOT",
                                 "NOT звонить", "зв*нить", "*", "звонить AND OR доставка",
                                 '""', "!!!"])
def test_bad_queries_raise_typed_error(filled, bad, make_conv):
    with pytest.raises(SearchQueryError):
        filled.search(bad)


def test_fts_special_characters_are_quoted(filled, make_conv):
    # characters that are FTS5 syntax must not reach it raw
    for q in ["звонить:", "(звонить", "звонить^", "col:звонить", "звонить + доставка", "NEAR(x y)"]:
        filled.search(q)  # no exception


def test_snippet_marks_matches_and_trims(make_conv):
    p = parse_query("звонить")
    text = " ".join(["слово"] * 30) + " не звоните " + " ".join(["хвост"] * 30)
    s = make_snippet(text, p, context_words=3)
    assert s.startswith("… ") and s.endswith(" …") and "[звоните]" in s
    assert len(s.split()) <= 10


def test_delete_and_rebuild_keep_index_consistent(filled):
    filled.delete_call("c2")
    assert _ids(filled.search("звонить")) == [("c1", 1)]
    with filled.engine.begin() as c:  # lemmas changed behind the index's back
        c.exec_driver_sql("UPDATE utterances SET lemma_text = 'пусто' WHERE idx = 1")
    assert filled.search("звонить") == []
    filled.rebuild_search_index()
    assert _ids(filled.search("звонить")) == [("c1", 1)]
    assert filled.search("пусто") == []

from people.text import storable_text


def test_storable_text_refuses_nul_lone_surrogates_and_non_strings():
    assert storable_text("Cobalt, lithium — 钴 and ñ")
    assert storable_text("")
    assert not storable_text("a\x00b")
    assert not storable_text("half a pair \ud800")
    assert not storable_text(None)
    assert not storable_text(12)

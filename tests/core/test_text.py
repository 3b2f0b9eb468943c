from bot.core.text import analyse, compile_phrases, find_quantities


def kinds(text: str) -> dict[str, list[str]]:
    doc = analyse([text])
    found = find_quantities(doc)
    lazy = {k: doc.quantities[k] for k in found}  # the lazy per-kind lookup agrees
    assert {k: [(h.start, h.end) for h in v] for k, v in lazy.items()} == {
        k: [(h.start, h.end) for h in v] for k, v in found.items()
    }
    return {k: [doc.text[h.start : h.end] for h in v] for k, v in found.items() if v}


def test_sentences_split_on_stops_and_bullets_but_not_decimals() -> None:
    doc = analyse(["Raise it from 4.1 to 4.3. Then test.\n- bullet one\n- bullet two", "Second."])
    texts = [s.text for s in doc.sentences]
    assert texts == [
        "Raise it from 4.1 to 4.3.",
        "Then test.",
        "bullet one",
        "bullet two",
        "Second.",
    ]
    assert [s.answer for s in doc.sentences] == [0, 0, 0, 0, 1]


def test_questions_are_flagged() -> None:
    doc = analyse(["What metric matters here? I'd pick retention."])
    assert [s.is_question for s in doc.sentences] == [True, False]


def test_quantities_with_units() -> None:
    found = kinds("Acceptance from 30% to 36% at 300ms p95, 20k users, $0.02 a summary, 3 points.")
    assert "30%" in found["percent"][0]
    assert found["from_to"]
    assert any("300ms" in x for x in found["latency"])
    assert any("20k users" in x for x in found["population"])
    assert found["money"]
    assert any("3 points" in x for x in found["percent"])


def test_a_quoted_question_the_sentence_goes_on_after_does_not_split_it() -> None:
    doc = analyse(["Agents send fewer 'have you tried restarting?' replies. Would you?"])
    assert [s.text for s in doc.sentences] == [
        "Agents send fewer 'have you tried restarting?' replies.",
        "Would you?",
    ]
    assert [s.is_question for s in doc.sentences] == [False, True]
    doc = analyse(["She asked 'why?' Then we fixed it."])
    assert [s.text for s in doc.sentences] == ["She asked 'why?", "Then we fixed it."]


def test_numbers_in_words_up_to_the_nineties_and_thousands() -> None:
    found = kinds(
        "Acceptance goes from thirty-five percent to forty two percent on seventeen thousand "
        "users, and ninety-five percent confidence."
    )
    assert found["from_to"] == ["from thirty-five percent to forty two"]
    assert "ninety-five percent" in found["percent"]
    assert any("seventeen thousand users" in x for x in found["population"])


def test_word_fractions_count_as_fractions() -> None:
    assert kinds("goes up by about a sixth")["fraction"] == ["a sixth"]


def test_phrase_syntax_prefix_gap_and_hyphens() -> None:
    pattern = compile_phrases(["randomi*", "post mortem", "split .. traffic"])
    assert pattern.search("we randomise by team")
    assert pattern.search("a post-mortem afterwards")
    assert pattern.search("split the web traffic")
    assert not pattern.search("randomly")
    assert not pattern.search("postmortems")


def test_negation_scope() -> None:
    from bot.core.detectors import Analysis, Lexicon

    lex = Lexicon({"ab": ["a/b test*", "a/b"], "review": ["review*"]})
    doc = analyse(
        [
            "I wouldn't run an A/B test. We'd A/B test it on 10k users. "
            "Guardrails aren't needed, but a weekly review is."
        ]
    )
    a = Analysis(doc, lex)
    assert 0 in a.negated["ab"] and 1 in a.affirmed["ab"]
    assert 2 in a.affirmed["review"]


def test_a_quoted_phrase_is_a_name_not_a_negation() -> None:
    """'not as described' and "no-show" name a category; the speaker's own "not" and
    "don't" still negate, apostrophes included."""
    from bot.core.detectors import Analysis, Lexicon

    lex = Lexicon({"drop": ["dropped", "fell"], "ship": ["ship*"]})
    doc = analyse(
        [
            "Returns for 'not as described' dropped from 6.5% to 4.8%. "
            'The "no-show" rate fell by a third. '
            "Returns for not as described items dropped. "
            "We don't think 'fast' is enough to ship. "
            "\u201cNot my job\u201d tickets fell too."
        ]
    )
    a = Analysis(doc, lex)
    assert {0, 1, 4} <= set(a.affirmed["drop"]) and 0 not in a.negated["drop"]
    assert 2 in a.negated["drop"]  # unquoted: the speaker's words
    assert 3 in a.negated["ship"]  # "don't" negates past the quoted word


def test_periods_and_bounds() -> None:
    from bot.core.detectors import Analysis, Lexicon

    found = kinds("Freshness within 2 hours, retention 90 days, a three week test.")
    assert found["period"] == ["2 hours", "90 days", "three week"]
    assert "duration" not in found
    doc = analyse(["Events are no more than 30 minutes stale, never older than a day."])
    a = Analysis(doc, Lexicon({"stale": ["stale", "older"]}))
    assert a.affirmed["stale"] and not a.negated["stale"]

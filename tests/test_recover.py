"""Reading damaged cards: real cards damaged the way stored views damaged them read back
their values or null, never a wrong one; names are cross-checked between sources."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.corpus import TEMPLATES, random_spec
from generator.models import COUNT_FIELDS
from generator.normalise import normalise_source
from generator.budget import MAX_SPLIT_CANDIDATES, split_candidates
from generator.recover import NameSource, read_table_text, resolve_names
from generator.snapshot import CardSource

from . import damage
from . import real_cards as rc

EXPECTED = rc.expected()
R_CARDS = [n for n in rc.names() if rc.kind_of(n) == "R"]
DAMAGE_NAMES = list(damage.DAMAGES)


def _damaged(name: str, chosen: list[str]) -> bytes:
    text = rc.card_bytes(name).decode("utf-8")
    for d in DAMAGE_NAMES:  # applied in a fixed order, as one crawler would
        if d in chosen:
            text = damage.DAMAGES[d](text)
    return text.encode("utf-8")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(R_CARDS),
    chosen=st.lists(st.sampled_from(DAMAGE_NAMES), min_size=1, max_size=4, unique=True),
)
def test_damaged_real_cards_read_back_or_null_never_wrong(name, chosen):
    bot = rc.read_card(name, _damaged(name, chosen))
    truth = EXPECTED[name]
    s = rc.score_bot(name, truth, bot, kind="R")
    assert s.wrong == [], (chosen, bot.problems)
    # The counts are stated unambiguously in every damaged form: they always come back.
    assert [u.counts() for u in bot.users] == [{f: u[f] for f in COUNT_FIELDS} for u in truth["users"]], chosen


@pytest.mark.parametrize("name", R_CARDS)
@pytest.mark.parametrize("chosen", [["collapse line breaks"], ["strip HTML", "collapse blank lines"], ["render table", "unfence front matter"]])
def test_each_real_card_survives_the_damage_the_excerpts_show(name, chosen):
    bot = rc.read_card(name, _damaged(name, chosen))
    s = rc.score_bot(name, EXPECTED[name], bot, kind="R")
    assert s.wrong == [] and s.right == s.stated, (s.wrong, bot.problems)


ISSUE_LINE = (
    "| Data | Beau Wood | | --- | --- | | Tweets downloaded | 1516 | | Retweets | 88 | "
    "| Short tweets | 141 | | Tweets kept | 1287 | [Explore the data](https://wandb.ai/x) ..."
)


def test_a_table_collapsed_into_one_line_reads_back():
    (reading,) = [r for r in read_table_text(ISSUE_LINE) if r.header == "Beau Wood"]
    assert reading.rows == {
        "tweets_downloaded": ("1516",),
        "retweets": ("88",),
        "short_tweets": ("141",),
        "tweets_kept": ("1287",),
    }
    assert reading.form == "a table collapsed into one line" and not reading.truncated


def test_a_table_cut_short_drops_the_cut_cell_instead_of_misreading_it():
    text = "Data A B\nTweets downloaded 3250 454\nRetweets 0 9\nShort tweets 1602 29\nTweets kept 1648 41"
    (reading,) = read_table_text(text)
    assert reading.truncated and reading.rows["tweets_kept"] == ("1648",)


def test_a_whole_card_on_one_line_with_its_front_matter_flattened():
    text = damage.collapse_line_breaks(rc.card_bytes("hubziii").decode("utf-8"))
    assert "\n" not in text.strip()
    bot = rc.read_card("hubziii", text.encode("utf-8"))
    assert [(u.name, *u.counts().values()) for u in bot.users] == [("Hubz", 3245, 160, 752, 2333)]
    assert bot.widget_prompt == "My dream is" and bot.thumbnail is not None
    assert "header recovered from one line of text (its HTML was stripped)" not in bot.problems  # HTML kept
    assert "counts recovered from a table collapsed into one line" in bot.problems


def test_names_agreeing_everywhere_are_taken():
    sources = [
        NameSource("header", "Tom & Jerry & ye", " & "),
        NameSource("table", "Tom & Jerry ye", " "),
        NameSource("sentence", "Tom & Jerry & ye", " & "),
    ]
    # The header alone allows three splits into 2; the rendered table allows one of them.
    assert resolve_names(sources, 2) == (["Tom & Jerry", "ye"], [])


def test_sources_that_disagree_keep_the_most_reliable_and_say_so():
    sources = [
        NameSource("header", "Ann & Bob", " & "),
        NameSource("table", "Ann | Bob", " | "),
        NameSource("sentence", "Ann & Rob", " & "),
    ]
    names, problems = resolve_names(sources, 2)
    assert names == ["Ann", "Bob"]
    assert problems == ["display names disagree: the sentence says 'Ann & Rob'; kept the header and table's"]
    names, problems = resolve_names([NameSource("header", "Ann", " & "), NameSource("table", "Bob", " | ")], 1)
    assert names == ["Ann"] and problems == ["display names disagree: the table says 'Bob'; kept the header's"]


def test_names_holding_a_separator_are_split_by_both_joins():
    def both(header: str, table: str, n: int) -> tuple[list[str] | None, list[str]]:
        return resolve_names([NameSource("header", header, " & "), NameSource("table", table, " | ")], n)

    assert both("A & B & C", "A & B | C", 2) == (["A & B", "C"], [])
    assert both("a | b & c", "a | b | c", 2) == (["a | b", "c"], [])
    assert both("solo", "solo", 1) == (["solo"], [])
    # No split reproduces both joins: the header, the more reliable, is kept and the
    # disagreement said (a doubtful value on the data-quality page), not both names lost.
    assert both("x & y", "x & y", 2) == (["x", "y"], ["display names disagree: the table says 'x & y'; kept the header's"])
    # As on the real cards borisdayma and w3disd3ad (tests/fixtures/real-cards): their
    # table header says 'Quantity', their true names are the header's.
    assert both("Boris Dayma", "Quantity    ", 1) == (
        ["Boris Dayma"],
        ["display names disagree: the table says 'Quantity    '; kept the header's"],
    )


def test_a_rendered_table_alone_cannot_split_names_with_spaces():
    names, problems = resolve_names([NameSource("table", "Matt Bergwall Mario Nawfal", " ")], 2)
    assert names is None and problems == ["cannot split the display names 'Matt Bergwall Mario Nawfal' into 2"]


def test_the_name_split_search_is_bounded():
    # One bound, in candidates (generator.budget): 16 parts into 6 names is 3,003 ways, searched;
    # 17 parts is 4,368, not one tried. A rendered table's space-split names are bounded alike.
    assert split_candidates(16, 6) <= MAX_SPLIT_CANDIDATES < split_candidates(17, 6)
    searched = " & ".join(["x"] * 16)
    assert resolve_names([NameSource("header", searched, " & ")], 6) == (None, [f"cannot split the display names {searched!r} into 6"])
    for sep, shown in ((" & ", "'&'"), (" ", "' '")):
        joined = sep.join(["x"] * 17)
        names, problems = resolve_names([NameSource("table" if sep == " " else "header", joined, sep)], 6)  # type: ignore[arg-type]
        assert names is None
        assert problems == [f"cannot split the display names: 17 {shown}-separated parts for 6 handles is more than 3,003 ways to try"]


def test_a_huge_damaged_card_reads_quickly_without_error():
    junk = ("Data " + "x " * 1450 + "\n") * 20  # 58 KB: inside the parse budget (generator.budget)
    bot = rc.read_card("hubziii", (junk + damage.render_table(rc.card_bytes("hubziii").decode())).encode())
    assert bot.users and bot.users[0].tweets_downloaded == 3245


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    template=st.sampled_from(TEMPLATES),
    seed=st.integers(0, 2**32 - 1),
    chosen=st.lists(st.sampled_from(DAMAGE_NAMES), min_size=1, max_size=3, unique=True),
)
def test_damaged_synthetic_cards_of_every_era_read_back_or_null_never_wrong(template, seed, chosen):
    # Names with "|", " & ", emoji, CJK, 1-6 users, zero counts: wider than the 18 real cards.
    spec = random_spec(random.Random(seed), template=template)
    text = spec.to_bytes().decode("utf-8")
    for d in DAMAGE_NAMES:
        if d in chosen:
            text = damage.DAMAGES[d](text)
    bot = normalise_source(CardSource(name=spec.name, readme=text.encode("utf-8"), meta={}, path=Path("t")))
    read_any = any(v is not None for u in bot.users for v in u.counts().values())
    if read_any:
        assert len(bot.users) == len(spec.users), (chosen, bot.problems)
    for got, want in zip(bot.users, spec.users):
        assert got.name in (None, want.name), (chosen, got.name, want.name)
        for f in COUNT_FIELDS:
            assert getattr(got, f) in (None, getattr(want, f)), (chosen, f)

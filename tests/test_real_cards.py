"""59 real cards the project was not written against, read against their true values.

The 18 reconstructed (R) cards are the exact bytes the Hub serves; the 41
verbatim (V) excerpts are what stored views showed: header HTML stripped,
line breaks collapsed, Markdown rendered to text, mojibake, truncation. Every
card must yield a record; every ``exact`` card reads exactly, every ``counts``
card's counts are right, and no card ever yields a value that differs from
the truth (null is allowed where the text does not state it).
"""

from __future__ import annotations

import re

import pytest

from generator.models import COUNT_FIELDS

from . import real_cards as rc

EXPECTED = rc.expected()
R_CARDS = [n for n in rc.names() if rc.kind_of(n) == "R"]


@pytest.fixture(scope="module")
def bots():
    return rc.read_all()


def test_the_fixture_set_is_the_released_one():
    names = rc.names()
    assert len(names) == 59 and len(R_CARDS) == 18
    assert set(EXPECTED) <= set(names)
    readme = (rc.REAL / "README.md").read_text(encoding="utf-8")
    listed = re.findall(r"^\| ([^|\s]+) \| ([RV]) \|", readme, re.M)
    assert {n: k for n, k in listed} == {n: rc.kind_of(n) for n in names}


@pytest.mark.parametrize("name", R_CARDS)
def test_stripping_the_comment_leaves_the_exact_hub_bytes(name):
    m = re.search(r"^size-check: (\d+) bytes = Hub file size", rc.source_comment(name), re.M)
    if m is None:
        pytest.skip("no stored Hub file size for this revision")
    assert len(rc.card_bytes(name)) == int(m.group(1))


@pytest.mark.parametrize("name", rc.names())
def test_every_card_yields_a_record(bots, name):
    bot = bots[name]
    assert bot.id == f"huggingtweets/{name}"
    assert not any(p.startswith("could not be read") for p in bot.problems), bot.problems


@pytest.mark.parametrize("name", R_CARDS)
def test_reconstructed_cards_read_exactly(bots, name):
    truth = EXPECTED[name]
    bot = bots[name]
    want = [tuple(u[f] for f in ("name", *COUNT_FIELDS)) for u in truth["users"]]
    got = [(u.name, *(getattr(u, f) for f in COUNT_FIELDS)) for u in bot.users]
    if truth["check"] == "exact":
        assert got == want
    else:
        assert [g[1:] for g in got] == [w[1:] for w in want]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_no_value_ever_differs_from_the_truth(bots, name):
    s = rc.score_bot(name, EXPECTED[name], bots[name], kind=rc.kind_of(name))
    assert s.wrong == []


def test_one_table_column_is_one_user(bots):
    # A two-handle repo on the single-user template: one "Quantity" column of
    # fake 1/1/1/1 counts is one user, not two, and its broken invariant is flagged.
    bot = bots["elonmusk-iamcardib"]
    assert bot.handles == ("elonmusk", "iamcardib") and bot.kind == "cyborg"
    assert len(bot.users) == 1
    (user,) = bot.users
    assert (user.handle, user.name) == (None, "Elon Musk & iamcardib")
    assert user.counts() == dict.fromkeys(COUNT_FIELDS, 1)
    assert user.avatar is None  # the placeholder url('USER_PROFILE') is no avatar
    assert "data table has 1 value columns for 2 handles" in bot.problems
    assert "tweets downloaded (1) != retweets + short tweets + tweets kept (3) for user 1" in bot.problems

"""59 real cards the project was not written against, read against their true values.

The 18 reconstructed (R) cards are the exact bytes the Hub serves; the 41
verbatim (V) excerpts are what stored views showed: header HTML stripped,
line breaks collapsed, Markdown rendered to text, mojibake, truncation. Every
card must yield a record; every ``exact`` card reads exactly, every ``counts``
card's counts are right, and no card ever yields a value that differs from
the truth (null is allowed where the text does not state it).
"""

from __future__ import annotations

import json
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


def _values(bot):
    return [(u.name, *(getattr(u, f) for f in COUNT_FIELDS)) for u in bot.users]


@pytest.mark.parametrize("name", sorted(n for n, t in EXPECTED.items() if t["check"] == "exact"))
def test_every_exact_card_reads_exactly(bots, name):
    want = [tuple(u[f] for f in ("name", *COUNT_FIELDS)) for u in EXPECTED[name]["users"]]
    assert _values(bots[name]) == want


@pytest.mark.parametrize("name", sorted(n for n, t in EXPECTED.items() if t["check"] == "counts"))
def test_every_counts_card_reads_its_counts(bots, name):
    want = [tuple(u[f] for f in COUNT_FIELDS) for u in EXPECTED[name]["users"]]
    assert [v[1:] for v in _values(bots[name])] == want


def test_damaged_excerpts_give_back_their_values_and_none_wrong(bots, capsys):
    scores = rc.score(bots)
    damaged, rebuilt = rc.summary(scores, "V"), rc.summary(scores, "R")
    with capsys.disabled():
        print(
            f"\nreal cards: damaged (V) {damaged['right']}/{damaged['stated']} stated values "
            f"({damaged['values_share']:.1%}), {damaged['cards_fully_right']}/{damaged['cards']} cards fully right; "
            f"reconstructed (R) {rebuilt['right']}/{rebuilt['stated']}; wrong values {damaged['wrong'] + rebuilt['wrong']}"
        )
    assert damaged["wrong"] == 0 and rebuilt["wrong"] == 0
    assert damaged["values_share"] >= 0.9
    assert rebuilt["cards_share"] == 1.0


def test_what_was_recovered_says_from_where(bots):
    assert "header recovered from plain lines (its HTML was stripped)" in bots["btohtoh"].problems
    assert "counts recovered from a table rendered to text" in bots["alterhuss-zainabverse"].problems
    assert "counts recovered from a table without leading pipes" in bots["mrbeast"].problems
    assert "front matter recovered from lines without '---' fences" in bots["mrbeast"].problems
    assert bots["mrbeast"].widget_prompt == "My dream is"
    assert bots["elonmusk"].thumbnail == "https://github.com/borisdayma/huggingtweets/blob/master/img/logo.png?raw=true"
    # Blank lines collapsed run the next paragraph into the table: said once, not as a bogus row.
    assert not any(p.startswith("unexpected data table row") for p in bots["btohtoh"].problems)


def test_an_unknown_wandb_run_id_is_no_link(bots):
    bot = bots["borisdayma"]
    assert bot.wandb_preprocess is None and bot.wandb_train is None
    assert "W&B training run id is unknown (XXXXXXXX in the card)" in bot.problems
    assert bots["billgates"].wandb_train == "https://wandb.ai/wandb/huggingtweets/runs/x3nz24e9"


def test_mojibake_the_crawler_left_is_repaired_or_unknown_never_kept_silently(bots):
    nisa = bots["_nisagiss-dril-prezoh"]
    assert nisa.users[0].name == "Nisa 🇲🇽"
    assert any(p.startswith("display name of user 1 repaired from ISO-8859-7 mojibake") for p in nisa.problems)
    # Bytes the crawler dropped cannot be brought back: the name is unknown, and said so.
    crypt = bots["cryptolith_-poaststructural-rusticgendarme"]
    assert [u.name for u in crypt.users] == ["merz", None, "severian"]
    assert any(p.startswith("display name of user 2 lost to ISO-8859-7 mojibake") for p in crypt.problems)
    assert bots["unboundflesh"].users[0].name is None


def _cp1252_mojibake(text: str) -> bytes:
    return text.encode("utf-8").decode("cp1252").encode("utf-8")


def test_a_lone_cjk_name_ftfy_leaves_as_mojibake_is_repaired_and_reported():
    # ftfy repairs the card's robot emoji but leaves a lone "å±±" alone (it is
    # plausible Latin-1 text): the card's own damage is the evidence to undo it.
    card = rc.card_bytes("billgates").decode("utf-8").replace("Bill Gates", "山")
    bot = rc.read_card("billgates", _cp1252_mojibake(card))
    assert bot.users[0].name == "山"
    assert "display name of user 1 repaired from Windows-1252 mojibake ftfy left: 'å±±' -> '山'" in bot.problems


def test_a_name_that_only_looks_like_mojibake_is_kept_as_written_but_doubted():
    card = rc.card_bytes("billgates").decode("utf-8").replace("Bill Gates", "å±±")
    bot = rc.read_card("billgates", card.encode("utf-8"))
    assert bot.users[0].name == "å±±"
    assert "display name of user 1 still looks like Windows-1252 mojibake after repair: 'å±±' (may be '山')" in bot.problems


@pytest.mark.parametrize("name", R_CARDS)
def test_the_snapshot_holds_each_reconstructed_card_as_the_hub_serves_it(name):
    folder = rc.REAL.parent.parent.parent / "cards" / name
    assert (folder / "README.md").read_bytes() == rc.card_bytes(name)
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    # Only what is known: the id, and the sha where the source gives the revision.
    revision = re.search(r"^revision: (\S+)", rc.source_comment(name), re.M).group(1)
    want = {"id": f"huggingtweets/{name}"}
    if re.fullmatch(r"[0-9a-f]{40}", revision):
        want["sha"] = revision
    assert meta == want


def test_the_snapshot_reads_with_every_reconstructed_card_right():
    from generator.normalise import normalise_paths

    bots = {b.name: b for b in normalise_paths([rc.REAL.parent.parent.parent / "cards"])}
    assert len(bots) == 22 and set(R_CARDS) <= set(bots)
    assert {b.era for b in bots.values()} >= {"2020-07-21", "2020-08-24", "2021-02-08", "2021-05-07"}
    for name in R_CARDS:
        s = rc.score_bot(name, EXPECTED[name], bots[name], kind="R")
        assert s.wrong == [] and s.right == s.stated

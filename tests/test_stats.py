"""The statistics aggregates: pure functions over hand-made records."""

from __future__ import annotations

from generator import stats
from generator.models import HubMeta, User

from .factories import make_bot


def test_totals_and_shares():
    bots = [make_bot("a"), make_bot("b-c"), make_bot("d", users=(User("d", None, None, None, None, None, None),))]
    t = stats.totals(bots)
    assert (t.bots, t.single, t.cyborgs, t.accounts) == (3, 2, 1, 4)
    assert (t.tweets_downloaded, t.tweets_kept) == (300, 210)
    s = stats.shares(bots[1])
    assert (s.kept, s.retweets, s.short) == (0.7, 0.1, 0.2)
    assert stats.shares(bots[2]) is None
    assert stats.shares(make_bot("z", users=(User("z", "Z", None, 0, 0, 0, 0),))) is None


def test_per_month_fills_gaps():
    bots = [
        make_bot("a", hub=HubMeta(created_at="2022-11-03T00:00:00Z")),
        make_bot("b", thumbnail_date="2023-02-01T10:00:00+00:00"),
        make_bot("c", hub=HubMeta(created_at="2023-02-27T00:00:00Z")),
        make_bot("d"),
    ]
    assert stats.per_month(bots) == [("2022-11", 1), ("2022-12", 0), ("2023-01", 0), ("2023-02", 2)]
    assert stats.per_month([make_bot("x")]) == []


def test_top_partners_eras_quality():
    bots = [
        make_bot("a-b", hub=HubMeta(downloads=3)),
        make_bot("a-c", hub=HubMeta(downloads=3, likes=2)),
        make_bot("c", hub=HubMeta(downloads=10), era="unknown", problems=("p1",)),
        make_bot("d", users=(User(None, "D", None, None, 1, 1, 1),), problems=("p1", "p2")),
    ]
    assert [(b.name, v) for b, v in stats.top(bots, key="downloads", n=2)] == [("c", 10), ("a-b", 3)]
    assert [b.name for b, _ in stats.top(bots, key="likes")] == ["a-c"]
    assert stats.cyborg_partners(bots) == [("a", 2), ("b", 1), ("c", 1)]
    eras = dict(stats.eras(bots))
    assert eras["May 2021 - 2023"] == 3 and eras["unknown"] == 1 and len(eras) == 7
    q = stats.quality(bots)
    assert (q.with_problems, q.unknown_counts, q.unmapped_columns, q.unknown_era, q.no_hub_meta) == (2, 1, 1, 1, 1)
    assert q.problems == (("p1", 2), ("p2", 1))


def test_shares_are_one_computation_for_users_and_bots():
    bot = make_bot("a-b", users=(User("a", "A", None, 10, 1, 2, 7), User("b", "B", None, 90, 9, 18, 63)))
    assert stats.shares(bot) == stats.shares_of(bot.totals) == stats.Shares(kept=0.7, retweets=0.1, short=0.2)
    assert stats.shares_of(bot.users[0].counts()) == stats.Shares(kept=0.7, retweets=0.1, short=0.2)
    assert stats.share(None, 10) is None and stats.share(3, 0) is None and stats.share(0, 4) == 0.0

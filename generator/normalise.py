"""Parsed cards + Hub metadata -> one typed :class:`~generator.models.Bot` per model.

Two passes. The first reads each card on its own (:func:`normalise_source`):
handles come from the repo id, display names and counts from the card, and
every inconsistency becomes a problem on the record. The second
(:func:`resolve_columns`) looks across the snapshot to map cyborg table
columns to handles, which a card alone cannot do: its columns follow the
order the handles were typed, while its repo id sorts them. A column is only
mapped when another card makes it certain.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from . import validate
from .buildcache import CardCache, card_key
from .models import COUNT_FIELDS, Bot, HubMeta, User
from .predict.samples import read_samples
from .parse import ParsedCard, parse_card, thumbnail_epoch_ms
from .config import DEFAULT_AUTHOR
from .pool import map_chunked
from .recover import NameSource, recover, repair_mojibake, resolve_names
from .snapshot import CardSource, Snapshot, is_valid_name, iter_sources
from .validate import Checker, quote

#: A card takes ~3.5 ms: below this many, starting processes costs more than it saves.
POOL_MIN_ITEMS = 400
UNMAPPED = "cannot tell which table column is which handle (columns follow the typed order, the repo id is sorted)"


def _http(url: str | None) -> str | None:
    return url if url and url.startswith(("http://", "https://")) else None


def _users(
    card: ParsedCard,
    handles: tuple[str, ...],
    problems: list[str],
    check: Checker,
    sources: Sequence[NameSource] = (),
    evidence: Sequence[str] = (),
) -> tuple[User, ...]:
    columns = max((len(v) for v in card.rows.values()), default=0)
    if card.rows and any(len(v) != columns for v in card.rows.values()):
        shape = ", ".join(f"{k.replace('_', ' ')}: {len(v)}" for k, v in card.rows.items())
        problems.append(f"ragged data table ({shape} values)")
    if card.rows and columns != len(handles):
        problems.append(f"data table has {columns} value columns for {len(handles)} handles")
    # One table column is one user: a two-handle repo written on the
    # single-user template has one column, and no user is invented for a
    # handle the table has no column for. Without a table, one per handle.
    n = columns or len(handles)

    # Names from every place the card states them, cross-checked (generator.recover).
    names, name_problems = resolve_names(list(sources), n)
    multi = card.era == "2021-05-07" or n > 1
    if names is None and multi and len(card.table_header) == n and card.table_header_raw is not None:
        # The table's header cells are one per column: they name the columns
        # where no split of the joined names could be searched or chosen.
        names = list(card.table_header)
        name_problems = [p for p in name_problems if p.startswith("display names disagree")]
    problems.extend(name_problems)
    if names is None and multi and not name_problems:
        problems.append(f"cannot split the display names {quote(card.header_name)} into {n}")
    elif names is None and not multi and not name_problems and card.avatars:
        problems.append("no display name found in the header")
    if names is None:
        names = [None] * n  # type: ignore[list-item]
    for i, name in enumerate(names):
        if name is not None:
            names[i], found = repair_mojibake(name, list(evidence), f"display name of user {i + 1}")
            problems.extend(found)

    visible = [a.url for a in card.avatars if a.visible]
    users = []
    for i in range(n):
        counts = {}
        for f in COUNT_FIELDS:
            cells = card.rows.get(f, ())
            what = f"{f.replace('_', ' ')} of user {i + 1}"
            counts[f] = check.count(cells[i], what=what) if i < len(cells) else None
        name = check.name(names[i], what=f"display name of user {i + 1}")
        if name is not None and "\ufffd" in name:
            problems.append(f"display name of user {i + 1} has characters lost to mojibake: {quote(name)}")
        users.append(
            User(
                handle=handles[0] if n == 1 and len(handles) == 1 else None,
                name=name,
                # _http: an unfilled url('USER_PROFILE') is no avatar.
                avatar=check.url(_http(visible[i]), what=f"avatar URL of user {i + 1}") if i < len(visible) else None,
                **counts,
            )
        )
        c = counts
        if None not in c.values() and c["tweets_downloaded"] != c["retweets"] + c["short_tweets"] + c["tweets_kept"]:
            who = f"@{handles[0]}" if n == 1 and len(handles) == 1 else f"user {i + 1}"
            problems.append(
                f"tweets downloaded ({c['tweets_downloaded']}) != retweets + short tweets + tweets kept "
                f"({c['retweets'] + c['short_tweets'] + c['tweets_kept']}) for {who}"
            )
    if n > 1:
        problems.append(UNMAPPED)
    return tuple(users)


def normalise_source(source: CardSource) -> Bot:
    """One card on its own -> a Bot (cyborg columns not yet mapped to handles)."""
    problems = list(source.problems)
    # Handles come from the repo id only when it is a well-formed one.
    handles = tuple(sorted(h.lower() for h in source.name.split("-"))) if is_valid_name(source.name) else ()
    hub, meta_problems = validate.hub_meta(source.meta)
    problems.extend(meta_problems)
    check = Checker(problems)
    if source.readme is None:
        if not problems:
            problems.append("no README on the Hub" if not hub.has_readme else "no README.md in the snapshot")
        card = ParsedCard()
        sources, evidence = [], []
    else:
        card = parse_card(source.readme)
        name = source.name if is_valid_name(source.name) else ""
        card, sources, evidence = recover(card, name=name, raw=source.readme)
        problems.extend(card.problems)
    if card.header_handle and card.header_handle.lower() != source.name.lower():
        problems.append(f"header names @{validate.quote(card.header_handle)[1:-1]}, the repo is {source.name}")
    kind = "cyborg" if len(handles) > 1 else "bot"
    if card.badge and card.badge.lower() != kind:
        problems.append(f"header says AI {card.badge} for {len(handles)} handle(s)")
    users = _users(card, handles, problems, check, sources, evidence) if handles else ()
    thumbnail = check.url(card.thumbnail, what="thumbnail URL")
    prompt = check.text(card.widget_prompt, what="widget prompt", limit=validate.MAX_PROMPT_CHARS)
    preprocess = check.url(_http(card.wandb_preprocess), what="W&B preprocess run URL")
    train = check.url(_http(card.wandb_train), what="W&B training run URL")
    thumbnail_date = check.epoch_ms(thumbnail_epoch_ms(thumbnail), what="thumbnail time")
    samples, sample_problems = read_samples(source.path) if source.path.is_dir() else (None, [])
    problems.extend(sample_problems)
    return Bot(
        id=source.repo_id,
        name=source.name,
        handles=handles,
        kind=kind,
        users=users,
        era=card.era,
        template=card.template,
        thumbnail=thumbnail,
        thumbnail_date=thumbnail_date,
        widget_prompt=prompt,
        wandb_preprocess=preprocess,
        wandb_train=train,
        hub=hub,
        problems=validate.cap_problems(problems),
        source=source.rel or source.path.name,
        samples=samples,
    )


def _is_default_avatar(url: str) -> bool:
    # Twitter's egg and default silhouettes are shared by many accounts: no evidence.
    return "default_profile_images" in url or "/sticky/default_profile" in url


def _evidence(bots: Sequence[Bot]) -> dict[tuple[str, str], str]:
    """(``name``|``avatar``, value) -> the one handle whose single-user bot shows it.

    A value shown by two handles' bots, or a default avatar, proves nothing and
    is left out.
    """
    owners: dict[tuple[str, str], set[str]] = defaultdict(set)
    for bot in bots:
        if bot.kind == "bot" and bot.users and bot.handles:
            u = bot.users[0]
            if u.name:
                owners[("name", u.name)].add(bot.handles[0])
            if u.avatar and not _is_default_avatar(u.avatar):
                owners[("avatar", u.avatar)].add(bot.handles[0])
    return {key: next(iter(hs)) for key, hs in owners.items() if len(hs) == 1}


def resolve_columns(bots: Sequence[Bot]) -> list[Bot]:
    """Map cyborg columns to handles where single-user bots make it certain.

    A column is mapped to handle ``h`` when ``h``'s single-user bot, and no
    other account's, shows the column's display name or avatar, when the
    column's name and avatar do not point at two different handles, and when
    no other column points at ``h`` too. Once every other column is mapped
    that way, the last column takes the last handle.
    """
    evidence = _evidence(bots)
    out = []
    for bot in bots:
        if bot.kind != "cyborg" or len(bot.users) != len(bot.handles):
            out.append(bot)
            continue
        candidates = []
        for u in bot.users:
            pointed = {evidence.get(("name", u.name)), evidence.get(("avatar", u.avatar))} - {None}
            # Two different handles for one column: the evidence contradicts itself.
            candidates.append(pointed & set(bot.handles) if len(pointed) == 1 else set())
        mapping: dict[int, str] = {}
        for i, cands in enumerate(candidates):
            if len(cands) == 1 and sum(1 for c in candidates if c == cands) == 1:
                mapping[i] = next(iter(cands))
        unmapped = [i for i in range(len(bot.users)) if i not in mapping]
        unused = [h for h in bot.handles if h not in mapping.values()]
        if len(unmapped) == 1 and len(unused) == 1:
            mapping[unmapped[0]] = unused[0]
        if not mapping:
            out.append(bot)
            continue
        users = tuple(replace(u, handle=mapping.get(i)) for i, u in enumerate(bot.users))
        problems = [p for p in bot.problems if p != UNMAPPED]
        if len(mapping) != len(bot.users):
            problems.append(f"{UNMAPPED}: mapped {len(mapping)} of {len(bot.users)}")
        out.append(replace(bot, users=users, problems=tuple(problems)))
    return out


def _unreadable(source: CardSource, exc: Exception) -> Bot:
    """The record of a card the reader failed on: a bug, reported like any problem."""
    return Bot(
        id=source.repo_id,
        name=source.name,
        hub=_hub_or_empty(source.meta),
        problems=validate.cap_problems((*source.problems, f"could not be read: {type(exc).__name__}: {exc}")),
        source=source.rel or source.path.name,
    )


def _hub_or_empty(meta: dict) -> HubMeta:
    try:
        return validate.hub_meta(meta)[0]
    except Exception:  # noqa: BLE001  (the record of a failure must not fail too)
        return HubMeta()


def _normalise_batch(sources: list[CardSource]) -> list[Bot]:
    out = []
    for source in sources:
        # One card must never stop the build: a reader bug becomes its problem.
        try:
            out.append(normalise_source(source))
        except Exception as exc:  # noqa: BLE001
            out.append(_unreadable(source, exc))
    return out


def normalise_sources(
    sources: Iterable[CardSource], *, jobs: int | None = None, cache: CardCache | None = None
) -> list[Bot]:
    """Normalise every source (in parallel for large snapshots), then map columns.

    With a ``cache`` (:class:`generator.buildcache.CardCache`), a card whose
    key (bytes, metadata, code version) is cached is not read again; the
    column mapping always runs, since it looks across the whole snapshot.
    """
    items = list(sources)
    keys = [card_key(s) for s in items] if cache is not None else []
    cached = [cache.get(k) for k in keys] if cache is not None else [None] * len(items)
    todo = [s for s, bot in zip(items, cached) if bot is None]
    batches = map_chunked(_normalise_batch, todo, jobs=jobs, min_items=POOL_MIN_ITEMS)
    read = iter([b for batch in batches for b in batch])
    bots = [bot if bot is not None else next(read) for bot in cached]
    if cache is not None:
        for key, bot in zip(keys, bots):
            cache.put(key, bot)
    bots = resolve_columns(bots)
    bots.sort(key=lambda b: b.name)
    return bots


def normalise_snapshot(snap: Snapshot, *, jobs: int | None = None, cache: CardCache | None = None) -> list[Bot]:
    """Every card of the snapshot, sorted by name (cards unchanged since the ``cache`` was written are not read again)."""
    return normalise_sources(snap.sources(), jobs=jobs, cache=cache)


def normalise_paths(paths: Iterable[Path | str], *, jobs: int | None = None, author: str = DEFAULT_AUTHOR) -> list[Bot]:
    """Every card under ``paths`` (snapshot folders or loose ``NAME.md`` files), sorted by name."""
    return normalise_sources(iter_sources(paths, author=author), jobs=jobs)

"""The domain nouns: one frozen record per bot, built by :mod:`generator.normalise`.

Every later stage (thumbnails, render, site) reads these records and nothing
else, so the fields here are the contract between stages. ``Bot.to_dict`` is
the JSON form written by ``python -m generator normalise`` and published as
``bots.json``; external tools rely on its keys.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal

# The eras and their labels are the template registry's; records name them, so they are re-exported here.
from .card_templates import ERA_LABELS, ERAS, Era  # noqa: F401

Kind = Literal["bot", "cyborg"]

COUNT_FIELDS = ("tweets_downloaded", "retweets", "short_tweets", "tweets_kept")
#: The widget prompt of nearly every card, and the one used when a card names none.
DEFAULT_PROMPT = "My dream is"

#: The Hub's createdAt for every repo made before it began storing creation
#: dates (huggingface_hub documents "the lowest value is 2022-03-02T23:29:04.000Z").
HUB_CREATED_AT_FLOOR = datetime(2022, 3, 2, 23, 29, 5, tzinfo=timezone.utc)


def parse_when(value: str | datetime | None) -> datetime | None:
    """An ISO date-time (the Hub's ``...Z`` form too) as an aware datetime (UTC when it names no zone), else ``None``.

    >>> parse_when("2021-05-07T10:00:00.000Z").isoformat(), parse_when("soon")
    ('2021-05-07T10:00:00+00:00', None)
    """
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class User:
    """One Twitter account as one column of a card's training-data table.

    ``handle`` is ``None`` when the column cannot be mapped to a handle with
    certainty (cyborg columns follow the typed order, the repo id is sorted).
    Counts are ``None`` when the card does not state them readably.
    """

    handle: str | None
    name: str | None
    avatar: str | None
    tweets_downloaded: int | None = None
    retweets: int | None = None
    short_tweets: int | None = None
    tweets_kept: int | None = None

    def counts(self) -> dict[str, int | None]:
        return {f: getattr(self, f) for f in COUNT_FIELDS}


@dataclass(frozen=True)
class HubMeta:
    """What the Hub says about a model; every field is optional (seeds lack them)."""

    sha: str | None = None
    created_at: str | None = None
    last_modified: str | None = None
    downloads: int | None = None
    likes: int | None = None
    tags: tuple[str, ...] = ()
    pipeline_tag: str | None = None
    library_name: str | None = None
    has_readme: bool = True

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "HubMeta":
        """Build from a snapshot ``meta.json`` (Hub API field names)."""

        def opt_int(value: Any) -> int | None:
            return value if isinstance(value, int) and not isinstance(value, bool) else None

        def opt_str(value: Any) -> str | None:
            return value if isinstance(value, str) else None

        tags = data.get("tags")
        return cls(
            sha=opt_str(data.get("sha")),
            created_at=opt_str(data.get("createdAt")),
            last_modified=opt_str(data.get("lastModified")),
            downloads=opt_int(data.get("downloads")),
            likes=opt_int(data.get("likes")),
            tags=tuple(t for t in tags if isinstance(t, str)) if isinstance(tags, list) else (),
            pipeline_tag=opt_str(data.get("pipeline_tag")),
            library_name=opt_str(data.get("library_name")),
            has_readme=data.get("has_readme", True) is not False,
        )


Scalar = str | int | float | bool


@dataclass(frozen=True)
class Samples:
    """What the bot's own model generated for its widget prompt (``samples.json``).

    Written by the predict stage, read back and cleaned by
    :func:`generator.predict.samples.read_samples`. The texts are continuations
    of ``prompt`` (the prompt itself is not repeated), untrusted like card
    text: cleaned of control characters, length-capped, and escaped wherever
    they are shown. ``settings`` and ``engine`` are (name, value) pairs, so the
    record stays hashable.
    """

    prompt: str
    texts: tuple[str, ...]
    settings: tuple[tuple[str, Scalar], ...] = ()
    engine: tuple[tuple[str, Scalar], ...] = ()
    generated: str | None = None  # YYYY-MM-DD
    revision: str | None = None  # the commit whose files were run

    @property
    def chosen(self) -> str | None:
        """The one sample shown where there is room for one (thumbnails, gallery cards)."""
        from .predict.samples import pick

        return pick(self.texts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "prompt": self.prompt,
            "texts": list(self.texts),
            "chosen": self.chosen,
            "settings": dict(self.settings),
            "engine": dict(self.engine),
            "generated": self.generated,
            "revision": self.revision,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Samples":
        return cls(
            prompt=data["prompt"],
            texts=tuple(data["texts"]),
            settings=tuple((data.get("settings") or {}).items()),
            engine=tuple((data.get("engine") or {}).items()),
            generated=data.get("generated"),
            revision=data.get("revision"),
        )


@dataclass(frozen=True)
class Bot:
    """One huggingtweets model, normalised from its card and Hub metadata."""

    id: str  # "<author>/<name>", e.g. "huggingtweets/dril"
    name: str  # the repo name, also the page slug
    # Everything else has the value of a card that says nothing, so the record
    # of an unreadable card names only what is known.
    handles: tuple[str, ...] = ()  # from the repo id: lower-case, sorted
    kind: Kind = "bot"
    users: tuple[User, ...] = ()  # in table (typed) order
    era: Era = "unknown"
    template: str | None = None  # the exact template file, e.g. "2021-05-07_c74eb83"
    thumbnail: str | None = None  # the card's thumbnail URL, as written
    thumbnail_date: str | None = None  # ISO date-time (UTC) from a predictions.png URL
    widget_prompt: str | None = None
    wandb_preprocess: str | None = None
    wandb_train: str | None = None
    hub: HubMeta = field(default_factory=HubMeta)
    problems: tuple[str, ...] = ()
    source: str | None = None  # the file the card was read from
    samples: Samples | None = None  # what its model said (None: not run yet, or it could not be)

    @property
    def totals(self) -> dict[str, int | None]:
        """Per-count sums over users; ``None`` if any user's value is unknown."""
        out: dict[str, int | None] = {}
        for f in COUNT_FIELDS:
            values = [getattr(u, f) for u in self.users]
            out[f] = sum(values) if values and all(v is not None for v in values) else None
        return out

    @property
    def prompt(self) -> str:
        """The prompt the bot is shown with: the card's widget prompt, else :data:`DEFAULT_PROMPT`."""
        return self.widget_prompt or DEFAULT_PROMPT

    @property
    def display_name(self) -> str:
        """Names joined as the card did (`` & ``), or the repo name."""
        names = [u.name for u in self.users if u.name]
        return " & ".join(names) if names else self.name

    @property
    def created(self) -> datetime | None:
        """When the model was made: the earlier of the Hub's createdAt and the thumbnail date.

        The Hub gives every repo made before it stored creation dates the same
        placeholder (:data:`HUB_CREATED_AT_FLOOR`), which says nothing about a
        2020-2021 bot, so that value is ignored. A card's ``predictions.png``
        time is when the card was written; a later retraining can only make it
        later than the repo's creation, hence the earlier of the two.
        """
        dates = []
        for value, floor in ((self.hub.created_at, HUB_CREATED_AT_FLOOR), (self.thumbnail_date, None)):
            when = parse_when(value)
            if when is not None and (floor is None or when > floor):
                dates.append(when)
        return min(dates) if dates else None

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON form (``normalise --out`` and ``bots.json``)."""
        # Field by field rather than dataclasses.asdict(self), which deep-copies every user, the Hub
        # metadata and the samples only for them to be replaced below: half of bots.json's cost.
        data = {name: getattr(self, name) for name in _field_names(Bot)}
        data["handles"] = list(self.handles)
        data["users"] = [{name: getattr(u, name) for name in _field_names(User)} for u in self.users]
        data["hub"] = {name: getattr(self.hub, name) for name in _field_names(HubMeta)}
        data["hub"]["tags"] = list(self.hub.tags)
        data["problems"] = list(self.problems)
        data["totals"] = self.totals
        data["samples"] = self.samples.to_dict() if self.samples else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Bot":
        """Inverse of :meth:`to_dict` (for tests and tools reading bots.json)."""
        hub = dict(data.get("hub") or {})
        hub["tags"] = tuple(hub.get("tags") or ())
        return cls(
            id=data["id"],
            name=data["name"],
            handles=tuple(data["handles"]),
            kind=data["kind"],
            users=tuple(User(**u) for u in data["users"]),
            era=data["era"],
            template=data.get("template"),
            thumbnail=data.get("thumbnail"),
            thumbnail_date=data.get("thumbnail_date"),
            widget_prompt=data.get("widget_prompt"),
            wandb_preprocess=data.get("wandb_preprocess"),
            wandb_train=data.get("wandb_train"),
            hub=HubMeta(**hub),
            problems=tuple(data.get("problems") or ()),
            source=data.get("source"),
            samples=Samples.from_dict(data["samples"]) if data.get("samples") else None,
        )


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    """The field names of a dataclass, in order (``to_dict``'s keys; every value of ``User`` and
    ``HubMeta`` is a scalar but ``HubMeta.tags``, which ``to_dict`` turns into a list)."""
    return tuple(f.name for f in dataclasses.fields(cls))

"""One way for tests to make records: :func:`make_bot` (and :func:`make_user`).

A bot of repo ``name`` whose handles come from the name (``"a-b"`` is a
cyborg of ``a`` and ``b``), each with a readable table column, unless the
test says otherwise; any other :class:`~generator.models.Bot` field can be given.
"""

from __future__ import annotations

from generator.models import Bot, HubMeta, User


def make_user(
    handle: str | None,
    name: str | None,
    kept: int | None = 70,
    short: int | None = 20,
    retweets: int | None = 10,
    *,
    avatar: str | None = None,
) -> User:
    """One table column; tweets downloaded are the sum of the three counts (``None`` if kept is)."""
    downloaded = None if kept is None or short is None or retweets is None else kept + short + retweets
    return User(handle, name, avatar, downloaded, retweets, short, kept)


def make_bot(
    name: str,
    *,
    users: tuple[User, ...] | None = None,
    kind: str | None = None,
    hub: HubMeta | None = None,
    **kw: object,
) -> Bot:
    """A readable bot of the latest era; ``users`` default to one column per handle of ``name``."""
    handles = tuple(sorted(name.lower().split("-")))
    users = users if users is not None else tuple(User(h, h.title(), None, 100, 10, 20, 70) for h in handles)
    fields: dict[str, object] = dict(
        id=f"huggingtweets/{name}",
        name=name,
        handles=handles,
        kind=kind or ("bot" if len(handles) == 1 else "cyborg"),
        users=users,
        era="2021-05-07",
        template="2021-05-07_c74eb83",
        widget_prompt="My dream is",
        wandb_preprocess="https://wandb.ai/wandb/huggingtweets/runs/aaa",
        wandb_train="https://wandb.ai/wandb/huggingtweets/runs/bbb",
        hub=hub or HubMeta(),
    )
    fields.update(kw)
    return Bot(**fields)  # type: ignore[arg-type]

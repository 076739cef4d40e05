"""Refresh the ``cards/`` snapshot from the Hugging Face Hub (``python -m generator fetch``).

A package, one module per seam: :mod:`.http` (how hard a run may push the
Hub and for how long: timeouts, deadlines, budget, retries), :mod:`.listing`
(the paged listing and whether it is complete), :mod:`.run` (the run itself),
:mod:`.avatars` (the optional avatar cache) and :mod:`.report` (the
summary it returns, progress and failures logged on ``generator.fetch``, the
meaning of each exit code). It prints nothing: the command line prints the
summary and picks the exit code.

One paginated listing (``/api/models?author=...&expand=...``) tells every
model's ``sha``, its Hub metadata and, through ``siblings``, whether it has a
README. Only models whose ``sha`` differs from the one in their ``meta.json``
get their README downloaded, pinned to that ``sha`` with ``hf_hub_download``
into a throw-away cache outside the repo, checked, and copied into the
snapshot with :func:`generator.snapshot.write_entry` (atomic, ``meta.json``
last, so an interrupted run is redone next time). Models gone from the listing
are removed, but only on the word of a complete listing and a few at a time;
a model that fails keeps its previous card.

Why the care: the Hub allows an anonymous client about 500 API and 3,000 file
("resolver") requests per 5 minutes, and a README costs three file requests
(HEAD, a HEAD on the commit-pinned redirect target, GET). huggingface_hub
2.4.0 reads ``HF_ENDPOINT`` only at import, sets no timeout on the listing, and
retries some calls itself, sleeping for a whole ``Retry-After`` however long.
So this package passes ``endpoint=`` explicitly, puts timeouts, deadlines, a
request budget, a byte cap read by read and a shared ``Retry-After`` pause on
every request through the client's HTTP hooks and transport, and does the
retrying itself, within the deadlines.

Not re-entrant: it installs its hooks on the client's process-wide session.
"""

from __future__ import annotations

import os

# The client reads this once, at import: set it before importing it (telemetry
# is an extra request and a user-agent full of local details).
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from .avatars import AVATAR_INDEX, AVATAR_PX, AVATARS, cache_avatars  # noqa: E402
from .http import DeadlineReached, Deadlines, Policy, RequestBudget  # noqa: E402
from .listing import Listing, list_models  # noqa: E402
from .report import EXIT_MEANINGS, OUTCOMES, FetchResult, Outcome, Summary  # noqa: E402
from .run import DEFAULT_ENDPOINT, EXPAND, README, fetch  # noqa: E402

__all__ = [
    "AVATARS",
    "AVATAR_INDEX",
    "AVATAR_PX",
    "DEFAULT_ENDPOINT",
    "DeadlineReached",
    "Deadlines",
    "EXIT_MEANINGS",
    "Listing",
    "EXPAND",
    "FetchResult",
    "OUTCOMES",
    "Outcome",
    "Policy",
    "README",
    "RequestBudget",
    "Summary",
    "cache_avatars",
    "fetch",
    "list_models",
]

"""Defaults, in one place. Command-line flags override them; so do these
environment variables: ``GALLERY_CARDS``, ``GALLERY_SITE``, ``GALLERY_AUTHOR``,
``GALLERY_FETCH_WORKERS``, ``GALLERY_SITE_URL``, ``GALLERY_SNAPSHOT_DATE``."""

from __future__ import annotations

import os

#: The committed snapshot of model cards.
CARDS_DIR = os.environ.get("GALLERY_CARDS", "cards")
#: Where ``build`` writes the finished site.
SITE_DIR = os.environ.get("GALLERY_SITE", "site")
#: The Hub author whose models make the gallery.
AUTHOR = os.environ.get("GALLERY_AUTHOR", "huggingtweets")
#: Parallel README downloads; small, to stay inside the Hub's anonymous rate limit.
FETCH_WORKERS = int(os.environ.get("GALLERY_FETCH_WORKERS", "4"))
#: Public URL of the deployed site (canonical links, Open Graph, feed); optional.
SITE_URL = os.environ.get("GALLERY_SITE_URL", "")
#: Largest README we accept from the Hub, in bytes (real cards are 3-5 KB).
MAX_README_BYTES = 256 * 1024
#: The date the pages give as the snapshot's (YYYY-MM-DD). Unset: the date of the
#: last commit that touched the cards (see snapshot.snapshot_date).
SNAPSHOT_DATE = os.environ.get("GALLERY_SNAPSHOT_DATE", "")

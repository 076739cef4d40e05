"""The gallery's MkDocs hooks (``mkdocs.yml``: ``hooks:``): what they do is :mod:`generator.compact`.

This file sits in the project folder (``mkdocs.yml`` and ``docs/``), which MkDocs resolves hook
paths against, so a build from any checkout or copy of the project finds it; the code is the
installed package's. MkDocs publishes no ``.py`` file of a theme folder, and ``docs/overrides/``
is no part of the docs.
"""

from generator.compact import (  # noqa: F401
    on_page_content,
    on_post_build,
    on_post_page,
    on_post_template,
    on_pre_build,
)

"""huggingtweets gallery generator: cards -> normalised bots -> static site.

Stages, one module each, data flowing one way:
``snapshot`` (read/write cards/), ``fetch`` (Hub -> cards/), ``parse`` (card
text -> fields), ``normalise`` (fields -> :class:`~generator.models.Bot`),
``thumbnails`` and ``charts`` (matplotlib images), ``render`` (jinja2 pages
into docs/), ``site`` (the whole build, then MkDocs).
"""

__version__ = "0.1.0"

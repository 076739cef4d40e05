"""huggingtweets gallery generator: cards -> normalised bots -> static site.

Stages, one module (or package) each, data flowing one way:
``snapshot`` (read/write cards/: :class:`~generator.snapshot.Snapshot`),
``fetch`` (Hub -> cards/), ``parse`` (card text -> fields, with the template
registry in ``card_templates``), ``normalise`` (fields ->
:class:`~generator.models.Bot`), ``thumbnails`` and ``charts`` (matplotlib
images, sharing ``style`` and ``faces``), ``render`` (jinja2 pages into
docs/), ``site`` (the whole build, then MkDocs). ``config`` holds the
:class:`~generator.config.Settings` every stage is given; ``cli`` is the only
module that prints and picks exit codes.
"""

__version__ = "0.1.0"

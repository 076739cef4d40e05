"""Every exception the generator raises on purpose, in one flat module.

Each subclasses a meaningful built-in so callers can catch broadly, and each
message names the file or model and what is wrong.
"""


class GeneratorError(Exception):
    """Base class for the generator's own errors."""


class SnapshotError(GeneratorError, ValueError):
    """A cards/ path or entry that cannot be read or written as asked."""


class CardError(GeneratorError, ValueError):
    """A card that cannot be parsed at all (normally reported as a problem instead)."""


class FetchError(GeneratorError, RuntimeError):
    """The Hub could not be read as needed."""


class BuildError(GeneratorError, RuntimeError):
    """The site could not be built."""


class OutputCollisionError(BuildError, FileExistsError):
    """Two bots (or pages) would write the same output path."""


class UsageError(GeneratorError, ValueError):
    """A command that cannot start as asked (bad arguments, offline mode, a missing extra),
    raised before it changes anything; the command line says it in one line and exits 2."""


class SettingsError(GeneratorError, ValueError):
    """A setting (environment variable or flag) with a value that is not allowed; the message names it."""


class PredictError(GeneratorError, RuntimeError):
    """A model could not be run this time (a rerun may succeed)."""

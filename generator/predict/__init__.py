"""The predict stage: run each bot's model once and keep what it said.

``python -m generator predict`` downloads a model's inference files at the
snapshot's pinned revision, generates a few samples of the card's widget
prompt with ``transformers``, and writes ``cards/<name>/samples.json``.

This package is split so that the site build never needs torch:

- :mod:`generator.predict.samples`: the ``samples.json`` format (schema,
  cache key, cleaning of generated text, reading it back). No heavy imports;
  the normaliser and the pages use it.
- :mod:`generator.predict.hub`: which files a model needs and their content
  hashes, from the Hub; downloads them into a throw-away folder.
- :mod:`generator.predict.engine`: loading and generating (imports torch and
  transformers, only when called).
- :mod:`generator.predict.run`: the stage itself: choosing models (budget,
  shard, cache), overlapping downloads with generation, recording failures.
"""

# The two commands a newcomer needs are `make site` (build, no network needed
# beyond installing packages) and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# axe-core for the browser tests, from npm at the version in tests/package-lock.json.
NODE_STAMP := tests/node_modules/.installed
# torch and transformers, for `make predict` and `make test` only (`make site` never needs them).
PREDICT_STAMP := $(VENV)/.installed-predict
# Extra pip arguments for the predict extra, e.g. PyTorch's CPU-only wheel index
# (see the README): PREDICT_PIP_ARGS="--extra-index-url https://download.pytorch.org/whl/cpu"
PREDICT_PIP_ARGS ?=
HOST ?= 127.0.0.1
PORT ?= 8000
ARGS ?=

.PHONY: site serve test fetch predict bench system-deps clean help

help:
	@echo "make site    build site/ from the committed cards/ snapshot"
	@echo "make serve   build, then serve site/ on http://$(HOST):$(PORT)/"
	@echo "make test    run the whole test suite (installs Chromium if needed)"
	@echo "make fetch   refresh cards/ from the Hugging Face Hub"
	@echo "make predict generate samples with each bot's model into cards/<name>/samples.json"
	@echo "make bench   run the benchmarks under bench/"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

$(PREDICT_STAMP): $(STAMP)
	$(PY) -m pip install --quiet $(PREDICT_PIP_ARGS) -e '.[test,predict]'
	touch $(PREDICT_STAMP)

# Fonts for thumbnails (CJK and emoji coverage) and Chromium for browser
# tests come from the system's package manager; see scripts/system-deps.
system-deps:
	@sh scripts/system-deps

site: $(STAMP)
	@sh scripts/system-deps fonts
	$(PY) -m generator build --out site $(ARGS)

# Like GitHub Pages, the server answers an unknown path with site/404.html.
serve: site
	$(PY) -m generator.serve site --host $(HOST) --port $(PORT)

$(NODE_STAMP): tests/package.json tests/package-lock.json
	@sh scripts/system-deps npm
	cd tests && npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

test: $(PREDICT_STAMP) $(NODE_STAMP)
	@sh scripts/system-deps
	$(PY) -m pytest $(ARGS)

fetch: $(STAMP)
	$(PY) -m generator fetch $(ARGS)

predict: $(PREDICT_STAMP)
	$(PY) -m generator predict $(ARGS)

bench: $(PREDICT_STAMP)
	$(PY) bench/run.py $(ARGS)

# Removes the built site and everything the generator wrote into docs/ (only
# generated files are git-ignored there), image caches included.
clean:
	rm -rf site .pytest_cache .screenshots
	git clean -fdXq docs/

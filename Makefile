# The two commands a newcomer needs are `make site` (build, no network needed
# beyond installing packages) and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# axe-core for the browser tests, from npm at the version in tests/package-lock.json.
NODE_STAMP := tests/node_modules/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
ARGS ?=

.PHONY: site serve test fetch bench system-deps clean help

help:
	@echo "make site    build site/ from the committed cards/ snapshot"
	@echo "make serve   build, then serve site/ on http://$(HOST):$(PORT)/"
	@echo "make test    run the whole test suite (installs Chromium if needed)"
	@echo "make fetch   refresh cards/ from the Hugging Face Hub"
	@echo "make bench   run the benchmarks under bench/"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

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

test: $(STAMP) $(NODE_STAMP)
	@sh scripts/system-deps
	$(PY) -m pytest $(ARGS)

fetch: $(STAMP)
	$(PY) -m generator fetch $(ARGS)

bench: $(STAMP)
	$(PY) bench/run.py $(ARGS)

# Removes the built site and everything the generator wrote into docs/ (only
# generated files are git-ignored there), image caches included.
clean:
	rm -rf site .pytest_cache .screenshots
	git clean -fdXq docs/

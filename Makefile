# Status Kommune – two commands on a fresh machine: `make report` and `make test`.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
EDITION ?= 2025
RUN_STAMP  := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
NODE_STAMP := node_modules/.installed

.DEFAULT_GOAL := help
PORT    ?= 4300
.PHONY: help install report html pdf preview kommune check coverage test test-fast mutation browser-deps bench bench-kommuner lock clean import-kommune

help: ## Vis målene
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-12s %s\n", $$1, $$2}'

$(RUN_STAMP): pyproject.toml constraints.txt
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	@touch $@

$(TEST_STAMP): $(RUN_STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  PUPPETEER_SKIP_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --ignore-scripts --silent && touch $@; \
	else echo "npm mangler: nettlesertestene hoppes over (installer Node.js og npm)."; fi

install: $(RUN_STAMP) ## Lag .venv og installer de låste avhengighetene

report: $(RUN_STAMP) ## Bygg standardutgaven (HTML og PDF) til _book/$(EDITION)/
	$(BIN)/statuskommune build --edition $(EDITION)

html: $(RUN_STAMP) ## Bygg bare HTML (raskt for forfattere)
	$(BIN)/statuskommune build --edition $(EDITION) --to html

pdf: $(RUN_STAMP) ## Bygg bare PDF
	$(BIN)/statuskommune build --edition $(EDITION) --to pdf

preview: $(RUN_STAMP) ## Forhåndsvis HTML på http://127.0.0.1:$(PORT)/, bygg på nytt ved lagring
	$(BIN)/statuskommune preview --edition $(EDITION) --port $(PORT)

KOMMUNE ?= 4601
kommune: $(RUN_STAMP) ## Bygg kommuneutgaven for KOMMUNE (nummer, navn eller all) til _book/$(EDITION)/kommuner/
	$(BIN)/statuskommune build --edition $(EDITION) --kommune $(KOMMUNE)

check: $(RUN_STAMP) ## Valider alle datasett
	$(BIN)/statuskommune check --all-vintages

import-kommune: $(RUN_STAMP) ## Lag kommunedatasettene fra rådatamappen FRA=<mappe> (tar minutter; bygget gjør det ikke)
	@test -n "$(FRA)" || { echo "Oppgi rådatamappen: make import-kommune FRA=<mappe> (se README, «Din kommunes utgave»)." >&2; exit 2; }
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[import]'
	$(BIN)/statuskommune import-kommune --fra $(FRA)

coverage: $(RUN_STAMP) ## Vis figurdekningen mot forrige utgave
	$(BIN)/statuskommune coverage --edition $(EDITION)

TEST_WORKERS ?= 2
test: $(TEST_STAMP) $(NODE_STAMP) ## Kjør alle testene (enhet, nbval, ende-til-ende, nettleser)
	@$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile --durations=15 tests; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest: ingen tester valgt (kode 5) – regnes som bestått"; rc=0; fi; \
	  $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile --nbval-lax notebooks || rc=1; exit $$rc

test-fast: $(TEST_STAMP) ## Bare enhetstestene
	$(BIN)/python -m pytest -q tests -m "not e2e and not browser"

MUTATION_SAMPLE ?= 60
mutation: $(TEST_STAMP) ## Mutasjonstesting (cosmic-ray) av kjernemodulene; tar lang tid, ikke del av make test
	$(BIN)/python tests/mutation/run.py --sample $(MUTATION_SAMPLE) $(MODULES)

bench: $(TEST_STAMP) ## Mål byggetider og skriv docs/benchmarks.md
	$(BIN)/python -m statuskommune.bench --repeat 3 --out docs/benchmarks.md

KOMMUNE_SAMPLE ?= 20
bench-kommuner: $(TEST_STAMP) ## Mål kommuneutgavene på Dask (utvalg på KOMMUNE_SAMPLE, og alle 357 kalde med mindre BENCH_ALLE=0) og skriv dem inn i docs/benchmarks.md
	$(BIN)/python -m statuskommune.benchkommuner --sample $(KOMMUNE_SAMPLE) $(if $(filter 0,$(BENCH_ALLE)),,--alle) --out docs/benchmarks.md

lock: ## Lag constraints.txt på nytt fra pyproject.toml (etter en bevisst oppgradering)
	rm -rf .lockvenv && $(PY) -m venv .lockvenv
	.lockvenv/bin/python -m pip install --quiet --upgrade pip
	.lockvenv/bin/python -m pip install --quiet -e '.[test]'
	.lockvenv/bin/python -m pip freeze --exclude-editable | grep -v '^-e' > constraints.txt
	rm -rf .lockvenv

clean: ## Fjern bygg, cache og figurer (ikke .venv)
	rm -rf _book _build figures/20* .pytest_cache

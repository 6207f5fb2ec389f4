# Two commands matter: `make demo` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The suite runs in one pytest process per core (PYTEST_XDIST_AUTO_NUM_WORKERS=N to choose), each
# with its own test database and Celery queues; work stealing spreads the slow worker and browser
# tests. PYTEST_XDIST="-n 0" runs it in one process.
PYTEST_XDIST ?= -n auto --dist worksteal
# Where `make demo` serves the portal; the demo data's links (certificates, e-mails) name it too.
DEMO_HOST ?= 127.0.0.1
DEMO_PORT ?= 8000

# The translations' .mo files, compiled from the committed .po catalogues (GNU gettext's msgfmt).
MESSAGES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))

.PHONY: demo test lint bench lock clean help messages screenshots bytecode

help:
	@echo "make demo   - install, migrate, load demo data, run the portal, Celery workers and the local PKI"
	@echo "              on http://$(DEMO_HOST):$(DEMO_PORT)/ (set DEMO_HOST, DEMO_PORT to change it)"
	@echo "make test   - install (if needed) and run the whole test suite"
	@echo "make lint   - ruff and mypy"
	@echo "make bench  - start-up, evidence reading, sourcing advice, certificates, dossier, approvals, impact preview, submissions and lists, each against a floor"
	@echo "make bytecode - compile the project's modules ahead (bench and demo do it first)"
	@echo "make lock   - re-pin requirements.lock from pyproject.toml (needs uv)"
	@echo "make messages - compile the translations (locale/*/LC_MESSAGES/django.po: GNU gettext, else Babel)"
	@echo "make screenshots - run the whole journey in Chromium (English, Japanese) and refresh docs/screenshots/"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall whenever the lock file changes; hashes make every install reproducible.
$(STAMP): requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	touch $(STAMP)

messages: $(MESSAGES)

# The project's own modules compiled ahead (compileall skips what is up to date, and Python
# recompiles any file edited since). Where PYTHONDONTWRITEBYTECODE is set, as on this machine
# and in the image, every process would otherwise compile about a hundred modules as it
# starts: 0.15-0.35 s of each `manage.py assess`, worker and web process.
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q -j 0 manage.py portal filings bench

# axe-core for the accessibility tests, from the npm registry, as package-lock.json pins it.
AXE := node_modules/axe-core/axe.min.js
$(AXE): package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $(AXE)

# msgfmt --check refuses a translation whose placeholders differ from its English message.
locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po | $(STAMP)
	$(BIN)/python -m portal.translations compile

test: $(STAMP) $(MESSAGES) $(AXE)
	$(BIN)/python -m ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m mypy .
	$(BIN)/python -m pytest $(PYTEST_XDIST)

# The whole-journey test's screenshots of every step (and the planner's outcome) go to var/screenshots/; the ones the README
# shows are copied to docs/screenshots/.
SHOWN_SCREENSHOTS := ja-01-login ja-06-assessed en-09-review-filing en-12-approve \
	ja-14-verify-genuine en-17-verify-revoked en-planner-outcome
screenshots: $(STAMP) $(MESSAGES) $(AXE)
	rm -rf var/screenshots
	JOURNEY_SCREENSHOTS=var/screenshots $(BIN)/python -m pytest -n 0 -q tests/browser/test_whole_journey.py \
		tests/browser/test_planner.py
	mkdir -p docs/screenshots
	for name in $(SHOWN_SCREENSHOTS); do cp var/screenshots/$$name.png docs/screenshots/; done

lint: $(STAMP)
	$(BIN)/python -m ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m ruff format --check .
	$(BIN)/python -m mypy .

bench: $(STAMP) bytecode
	@# Every benchmark runs and prints its rows, even after one misses; the target fails if any did.
	@status=0; for name in startup evidence advice certificates dossier approvals preview submissions lists; do \
	  echo "== python -m bench.$$name"; $(BIN)/python -m bench.$$name || status=1; \
	done; exit $$status

demo: $(STAMP) $(MESSAGES) bytecode
	mkdir -p var
	$(BIN)/python manage.py migrate --no-input
	DEMO_HOST=$(DEMO_HOST) DEMO_PORT=$(DEMO_PORT) $(BIN)/python -m portal.demo

lock:
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/python -m uv pip compile pyproject.toml --extra test --universal --python-version 3.11 --generate-hashes -o requirements.lock

clean:
	rm -rf $(VENV) var $(MESSAGES) node_modules

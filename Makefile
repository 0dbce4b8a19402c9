# The front door: make run, make test, make lint, make bench.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
export PYTHONUNBUFFERED := 1
# No model or data set is ever fetched from a hub.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install run test lint bench clean chromium

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# The development server: DEBUG is off unless set (a deploy that forgets it fails closed),
# so `make run` turns it on (the development SECRET_KEY, local hosts, keys made on first use).
run: export DEBUG ?= 1
run: install
	mkdir -p var
	$(PY) manage.py bootstrap
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@echo "Serving on http://$(HOST):$(PORT)/  (API: http://$(HOST):$(PORT)/api/v1/passport)"
	@# gunicorn, a Celery worker and beat (probes every PROBE_INTERVAL_SECONDS); Ctrl-C
	@# stops all three within 10 s (bin/serve.py says how). ASGI (uvicorn workers): the MCP
	@# server's Streamable HTTP transport answers at /mcp beside the pages and the API.
	$(PY) bin/serve.py --host $(HOST) --port $(PORT)

# The page tests drive Debian's Chromium through Playwright; never a downloaded browser.
chromium:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: install chromium
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports

bench: install
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) var

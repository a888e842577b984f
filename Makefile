# FinSync: `make run` starts the product, `make test` runs the whole suite. Both set themselves up.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench worker beat web web-wsgi web-ws migrate seed install clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): $(PY) pyproject.toml constraints.txt
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) -m finsync.devserver

# Two test processes (pytest-xdist), each with its own test database and Redis database (finsync/settings/test.py);
# tests/conftest.py keeps the real-worker tests in one of them and each module's tests together.
# TEST_WORKERS=0: one process.
TEST_WORKERS ?= 2
test: $(STAMP)
	$(PY) -m pytest $(if $(filter-out 0,$(TEST_WORKERS)),-n $(TEST_WORKERS) --dist loadgroup) $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

format: $(STAMP)
	$(VENV)/bin/ruff format .

bench: $(STAMP)
	$(PY) -m bench.run

worker: $(STAMP)
	$(PY) -m celery -A finsync worker --loglevel INFO

beat: $(STAMP)
	$(PY) -m celery -A finsync beat --loglevel INFO

web: $(STAMP)
	$(PY) -m uvicorn finsync.asgi:application --host 127.0.0.1 --port $${PORT:-8000}

# Production layout (docs/PERFORMANCE.md, "Serving layout"): gunicorn sync workers for pages and API,
# uvicorn only for the /ws/ websockets, both behind the same proxy.
web-wsgi: $(STAMP)
	$(VENV)/bin/gunicorn finsync.wsgi:application --bind 127.0.0.1:$${PORT:-8000} --workers $${WEB_WORKERS:-2}

web-ws: $(STAMP)
	$(PY) -m uvicorn finsync.asgi:application --host 127.0.0.1 --port $${WS_PORT:-8001}

migrate: $(STAMP)
	$(PY) manage.py migrate

seed: $(STAMP)
	$(PY) manage.py seed_demo

clean:
	rm -rf $(VENV) data staticfiles .pytest_cache .ruff_cache

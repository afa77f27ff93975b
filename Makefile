# The one entry point for people. `make run` and `make test` set everything up on first use.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: help install run test lint format bench drills migrate declare dlq clean up down web web-client

help:
	@echo "make run    - run the whole platform locally with demo data (Ctrl-C stops it)"
	@echo "make test   - run the test suite against the local RabbitMQ and PostgreSQL"
	@echo "make web    - build the web app into web/dist (npm ci + vite build)"
	@echo "make lint   - ruff check + format check + import rules (lint-imports)"
	@echo "make bench  - issue 16's scenarios beside same-run ceilings (bench/README.md)"
	@echo "make drills - fault drills on real processes (kill -9, outages); < 15 min"
	@echo "make up     - the platform in containers (docker compose; PLENARY_ORGANIZER_TOKEN=...)"
	@echo "make down   - stop the containers (volumes are kept)"

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP) web
	$(BIN)/python scripts/run_local.py

test: $(STAMP) web
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	@command -v wrk >/dev/null || apt-get install -y wrk || (apt-get update && apt-get install -y wrk)
	$(BIN)/python -m bench

drills: $(STAMP)
	$(BIN)/python -m drills

migrate: $(STAMP)
	$(BIN)/plenary migrate

declare: $(STAMP)
	$(BIN)/plenary declare

dlq: $(STAMP)
	$(BIN)/plenary dlq list

up:
	docker compose up --build --detach

down:
	docker compose down

clean:
	rm -rf $(VENV) var web/node_modules web/dist

# -- the web app (web/): pinned npm packages, the typed API client, the build ----------
WEB_SOURCES := $(shell find web/src web/public web/docs -type f 2>/dev/null) web/index.html \
	web/vite.config.ts web/tsconfig.json web/openapi.json

web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $@

# the app, and /docs (web/docs with the pinned Swagger UI files): `npm run build` does
# both, as the image's web stage does (Dockerfile)
web/dist/index.html: web/node_modules/.installed $(WEB_SOURCES)
	cd web && npm run build

web: web/dist/index.html

# after changing a route or schema: regenerate web/openapi.json and the client's types
web-client: $(STAMP) web/node_modules/.installed
	$(BIN)/python scripts/openapi_dump.py
	cd web && npm run client

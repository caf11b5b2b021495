# One command to set up and run the sample audit (make demo), one to set up and test (make test).
# Both create a local .venv with the Python found as $(PYTHON); nothing is installed globally.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SAMPLE := data/sample_company
OUT ?= out/sample-audit

.PHONY: setup demo test lint unit notebooks exercises lessons lab bench api site clean help

help:
	@echo "make demo       set up and audit the sample company into $(OUT)"
	@echo "make test       set up and run every test (lint, unit, notebooks, generators)"
	@echo "make lab        open the course in JupyterLab"
	@echo "make notebooks  re-execute every course notebook in place (commit the result)"
	@echo "make exercises  regenerate exercises/ from solutions/"
	@echo "make bench      run the benchmarks"
	@echo "make api        build the API reference into out/api/ (offline)"
	@echo "make site       build the course website into out/site/ (offline)"
	@echo "make lessons    rewrite the lessons' structure cells (objectives, self-checks, key points)"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/cac-toolkit audit $(SAMPLE) --out $(OUT) -f $(SAMPLE)/audit.yaml

lint: setup
	$(BIN)/ruff check cac_toolkit tests benchmarks scripts
	$(BIN)/lint-imports

# The tests run on $(TEST_WORKERS) worker processes (pytest-xdist), each test file whole on one
# worker so that its module fixtures (one audit run, one Spark session) are built once;
# TEST_WORKERS=0 runs them all in one process.
TEST_WORKERS ?= 2

unit: setup
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

test: lint unit

notebooks: setup
	$(BIN)/python scripts/execute_notebooks.py

exercises: setup
	$(BIN)/python scripts/make_exercises.py

api: setup
	$(BIN)/python scripts/build_api_docs.py out/api

site: setup
	$(BIN)/python scripts/build_site.py out/site

lessons: setup
	$(BIN)/python scripts/make_lessons.py
	$(BIN)/python -c "from cac_toolkit.course.lessons import glossary_markdown; open('docs/glossary.md', 'w').write(glossary_markdown())"

lab: setup
	$(BIN)/jupyter lab notebooks/

bench: setup
	$(BIN)/python benchmarks/audit.py
	$(BIN)/python benchmarks/attribution.py
	$(BIN)/python benchmarks/retention.py
	$(BIN)/python benchmarks/prepare.py

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache

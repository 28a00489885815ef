# Set-up and main tasks. `make demo` and `make test` are the two commands of the README.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
MODEL ?= models/chainbreaker

.PHONY: setup demo test lint clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

demo: setup  ## train on the public dataset, then score the invented example ads
	$(BIN)/classifier train --dataset chainbreaker --out $(MODEL)
	$(BIN)/classifier score --model $(MODEL) examples/invented_ads.csv \
		--text-col title --text-col body --id-col id --keep-col title

lint: setup
	$(BIN)/ruff check .

test: setup lint  ## lint, then run the test suite
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) models .pytest_cache .ruff_cache

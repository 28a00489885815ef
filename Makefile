# Set-up and main tasks. `make demo` and `make test` are the two commands of the README.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
MODEL ?= models/chainbreaker

.PHONY: setup core core-test demo test lint browser clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml core/Cargo.toml $(shell find core/src -name "*.rs")
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(MAKE) core
	touch $@

# The compiled text core (Rust, core/): optional, so a machine without cargo keeps the
# Python path (`classifier --version` says which core is in use).
core:  ## build and install the compiled text core
	@if command -v cargo >/dev/null; then \
		$(BIN)/python -m pip install --quiet --force-reinstall --no-deps ./core; \
	else echo "cargo not found: the Python text core will be used"; fi

demo: setup  ## train on the public dataset, score the invented example ads, write a review page
	$(BIN)/classifier train --dataset chainbreaker -o $(MODEL)
	$(BIN)/classifier score --model $(MODEL) examples/invented_ads.csv \
		--text-col title --text-col body --id-col id --keep-col title
	mkdir -p out
	$(BIN)/classifier review --model $(MODEL) examples/invented_ads.csv \
		--text-col title --text-col body --id-col id --all -o out/review.html

lint: setup
	$(BIN)/ruff check .

test: setup lint core-test  ## lint, the core's unit tests, then the test suite on the compiled core, then on the Python path
	$(BIN)/python -m pytest
	CLASSIFIER_PURE_PYTHON=1 $(BIN)/python -m pytest

core-test:  ## the compiled text core's own unit tests (Rust), where cargo is installed
	@if command -v cargo >/dev/null; then \
		PYO3_PYTHON=$(BIN)/python cargo test --quiet --manifest-path core/Cargo.toml; \
	else echo "cargo not found: no unit tests of the compiled core"; fi

browser:  ## headless Chromium and its driver, for the review page's browser tests (Debian)
	command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			chromium chromium-driver fonts-noto-color-emoji >/dev/null; }

clean:
	rm -rf $(VENV) models .pytest_cache .ruff_cache

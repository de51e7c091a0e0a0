# mnist-repro: `make run VERSION=1|2|3` trains a version of the 2018 report; `make test` checks the project.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VERSION ?= 3
VERSIONS := $(sort $(patsubst v%.py,%,$(notdir $(wildcard src/mnist_repro/versions/v[0-9]*.py))))
ARGS ?=
MNIST := data/mnist.npz

.DEFAULT_GOAL := run
.PHONY: run install data test clean distclean check-version

run: check-version install data
	$(BIN)/python -m mnist_repro run --version $(VERSION) $(ARGS)

check-version:
	@$(if $(filter $(VERSION),$(VERSIONS)),true,echo "error: VERSION=$(VERSION) is not a version of the report; use one of: $(VERSIONS)" >&2; exit 2)

install: $(STAMP)

# The stamp makes install idempotent; requirements.txt changes trigger a reinstall.
$(STAMP): requirements.txt pyproject.toml
	@if ! command -v dot >/dev/null 2>&1; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    (apt-get install -y -q graphviz >/dev/null 2>&1 || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q graphviz >/dev/null 2>&1)) \
	      && echo "installed graphviz (for model.png)" \
	      || echo "note: graphviz not installed; model.png will use the matplotlib drawing"; \
	  else echo "note: graphviz not found (optional); model.png will use the matplotlib drawing"; fi; \
	fi
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -r requirements.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

data: $(MNIST)

$(MNIST): | $(STAMP)
	$(BIN)/python -m mnist_repro data

test: install data
	$(BIN)/python -m pytest -q

clean:
	rm -rf build checkpoints deliverables/.checkpoints .pytest_cache
	find . -name __pycache__ -type d -not -path './$(VENV)/*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) data src/*.egg-info

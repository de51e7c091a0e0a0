# mnist-repro: `make run VERSION=1|2|3` trains a version of the 2018 report (BACKEND=jax|torch: on another
# Keras backend, installed on first use); `make test` checks the project.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VERSION ?= 3
ALL_VERSIONS := $(sort $(patsubst v%.py,%,$(notdir $(wildcard src/mnist_repro/versions/v[0-9]*.py))))
ARGS ?=
# The Keras backend of `make run` and `make reproduce`: TensorFlow (the report's, in .venv), or JAX or
# PyTorch, each in its own .venv-jax or .venv-torch, installed on first use from its lock.
BACKENDS := tensorflow jax torch
BACKEND ?= tensorflow
# Its environment's stamp and bin, and the flag a run gets (none for TensorFlow: the command of before).
BACKEND_STAMP = $(if $(filter tensorflow,$(BACKEND)),$(STAMP),.venv-$(BACKEND)/.installed)
BACKEND_BIN = $(patsubst %/.installed,%/bin,$(BACKEND_STAMP))
BACKEND_FLAG = $(if $(filter tensorflow,$(BACKEND)),, --backend $(BACKEND))

.DEFAULT_GOAL := run
.PHONY: ladder ladder-run ladder-page run install lock lock-tf112 data test test-install test-fast test-pythons docs notebook notebook-run notebook-stale verify bench-render cross-cpu cluster-install clean distclean predict analyze reproduce report bench resume-check v1-gap demo cluster-check bf16-check demo-load tensorflow-choice python-choice demo-screenshot FORCE

# A bad VERSION stops make before anything runs, with one line naming the valid ones.
ifneq ($(filter run predict analyze,$(or $(MAKECMDGOALS),run)),)
ifeq ($(filter $(VERSION),$(ALL_VERSIONS)),)
$(error VERSION=$(VERSION) is not a version of the report; use one of: $(ALL_VERSIONS))
endif
endif
# A bad BACKEND too, with one line naming the valid ones.
ifneq ($(filter run reproduce,$(or $(MAKECMDGOALS),run)),)
ifneq ($(filter-out $(BACKENDS),$(BACKEND))$(words $(BACKEND)),1)
$(error BACKEND=$(BACKEND) is not a Keras backend of the project; use one of: $(BACKENDS))
endif
endif
# The interpreter every environment is made with, checked first (doc/install.md#python): PYTHON if it
# is CPython 3.11, 3.12 or 3.13; where it is not and PYTHON was not set, the first python3.13,
# python3.12 or python3.11 on PATH that runs, said in one line; otherwise make stops with one line.
# lock/interpreter.sh is plain sh, so any python3 gets that line. clean and distclean need no Python.
ifneq ($(filter-out clean distclean,$(or $(MAKECMDGOALS),run)),)
PYTHON_FOUND := $(shell sh lock/interpreter.sh '$(PYTHON)' $(if $(filter default file,$(origin PYTHON)),fallback))
ifneq ($(firstword $(PYTHON_FOUND)),CPython)
$(error $(PYTHON_FOUND))
endif
endif
# "CPython X.Y.Z PATH": the interpreter itself (not a pyenv shim), recorded in each environment.
PY = $(word 3,$(PYTHON_FOUND))

run: install data $(BACKEND_STAMP)
	$(BACKEND_BIN)/python -m mnist_repro run --version $(VERSION)$(BACKEND_FLAG) $(ARGS)

install: $(STAMP)

# The TensorFlow wheel: the pin in requirements.txt, with its CUDA libraries where nvidia-smi lists
# a GPU, as tensorflow-cpu on Linux x86_64 without one, and as the plain wheel elsewhere (macOS,
# aarch64). lock/tensorflow_wheel.py chooses it and installs it from its lock.
TF_PIN = $(shell sed -n 's/^tensorflow==//p' requirements.txt)
TF_WHEEL = $(shell $(PY) lock/tensorflow_wheel.py)
TF_CHOICE := $(VENV)/.tensorflow-wheel

# Prints the wheel `make install` would choose here (a test checks it with a fake nvidia-smi).
tensorflow-choice:
	@echo "$(TF_WHEEL)"

# Prints the interpreter make uses here: "CPython X.Y.Z PATH".
python-choice:
	@echo "$(PYTHON_FOUND)"

# The interpreter .venv is made with: another one (PYTHON changed, or a .venv made before this record)
# makes .venv again from the start, so that an environment never mixes two Pythons' packages.
PY_RECORD := $(VENV)/.python
$(PY_RECORD): FORCE
	@if [ -e $(VENV) ] && [ "$$(cat $@ 2>/dev/null)" != "$(PYTHON_FOUND)" ]; then \
	  echo "$(VENV) is not $(wordlist 1,2,$(PYTHON_FOUND))'s: making it again"; rm -rf $(VENV); fi
	@mkdir -p $(VENV); test -f $@ || echo "$(PYTHON_FOUND)" > $@

# Rewritten only when the choice changes (a GPU appeared or went), which reinstalls TensorFlow.
$(TF_CHOICE): $(PY_RECORD) FORCE
	@mkdir -p $(VENV)
	@wheel="$(TF_WHEEL)"; test -n "$$wheel" && { test "$$(cat $@ 2>/dev/null)" = "$$wheel" || echo "$$wheel" > $@; }

# uv, which installs every environment from the locks, itself installed from its own lock
# (lock/uv.txt) with pip's --require-hashes: the one install that pip still makes. lock/install.py
# finds it here.
UV_VENV := .venv-uv
UV := $(UV_VENV)/bin/uv
$(UV): lock/uv.txt
	@rm -rf $(UV_VENV) && $(PY) -m venv $(UV_VENV)
	@$(UV_VENV)/bin/python -m pip install -q --require-hashes --no-deps -r lock/uv.txt 2> $(UV_VENV)/pip.log \
	  || { echo "error: installing uv from lock/uv.txt failed: $$(grep '^ERROR: ' $(UV_VENV)/pip.log | tail -n 1 | cut -c 8-)" >&2; \
	       rm -rf $(UV_VENV); exit 1; }
	@touch $@

# The stamp makes install idempotent; a change of requirements or of the wheel reinstalls. Each
# environment is made by `python -m venv`, so that it has the interpreter's own pip (data.py's last
# MNIST source runs `pip download`); uv installs the rest.
$(STAMP): requirements.txt pyproject.toml $(wildcard lock/run-*.txt) $(PY_RECORD) $(TF_CHOICE) | $(UV)
	@if ! command -v dot >/dev/null 2>&1; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    (apt-get install -y -q graphviz >/dev/null 2>&1 || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q graphviz >/dev/null 2>&1)) \
	      && echo "installed graphviz (for model.png)" \
	      || echo "note: graphviz not installed; model.png will use the matplotlib drawing"; \
	  else echo "note: graphviz not found (optional); model.png will use the matplotlib drawing"; fi; \
	fi
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@# Says which wheel, never keeps its twin (tensorflow and tensorflow-cpu are the same package),
	@# and installs every package from the wheel's lock, hash-checked (lock/README.md).
	$(PY) lock/tensorflow_wheel.py install $(BIN)/python "$$(cat $(TF_CHOICE))"
	$(PY) lock/install.py $(BIN)/python --project
	touch $@

# The optional extras, each installed on first use: the demo server, the tests, the Dask cluster,
# the study's statistics (SciPy, for make report): each from requirements-EXTRA.txt and lock/EXTRA.txt
# into .venv. JupyterLab (make notebook) has an environment of its own, below.
DEMO_STAMP := $(VENV)/.demo-installed
TEST_STAMP := $(VENV)/.test-installed
CLUSTER_STAMP := $(VENV)/.cluster-installed
STUDY_STAMP := $(VENV)/.study-installed
$(VENV)/.%-installed: requirements-%.txt lock/%.txt | $(STAMP)
	$(PY) lock/install.py $(BIN)/python lock/$*.txt
	touch $@

# The tests' extra with Debian's Chromium for the demo's browser test (root with apt only).
$(TEST_STAMP): requirements-test.txt lock/test.txt | $(STAMP)
	@if ! command -v chromedriver >/dev/null 2>&1; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    (apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium chromium-driver >/dev/null 2>&1)) \
	      && echo "installed chromium and chromium-driver (for the demo's browser test)" \
	      || echo "note: chromium not installed; the demo's browser test will be skipped"; \
	  else echo "note: chromium-driver not found (optional); the demo's browser test will be skipped"; fi; \
	fi
	$(PY) lock/install.py $(BIN)/python lock/test.txt
	touch $@

# The other Keras backends, each in its own environment so that .venv, whose packages a TensorFlow
# run records, never changes: made again from the start when out of date, with the run lock of
# .venv's TensorFlow wheel (tf.data feeds the batches on every backend) and lock/jax.txt or
# lock/torch.txt in one hash-checked install, then the project, editable. uv links each file from
# its cache, so TensorFlow is on disk once (doc/install.md#disk-and-download). .venv-bench, the
# benchmark's plain PyTorch peer, is made the same way from lock/torch.txt. BACKEND=tensorflow runs
# in .venv with the command lines of before (no --backend).
define environment
@echo "$(1): making it from .venv's run lock and $(2) (first use; lock/README.md)"
rm -rf $(1)
$(PY) -m venv $(1)
$(PY) lock/tensorflow_wheel.py install $(1)/bin/python "$$(cat $(TF_CHOICE))" $(2)
$(PY) lock/install.py $(1)/bin/python --project
touch $(1)/.installed
endef
BACKEND_STAMPS := $(foreach backend,$(filter-out tensorflow,$(BACKENDS)),.venv-$(backend)/.installed)
$(BACKEND_STAMPS): .venv-%/.installed: requirements-%.txt lock/%.txt $(STAMP)
	$(call environment,.venv-$*,lock/$*.txt)
BENCH_STAMP := .venv-bench/.installed
$(BENCH_STAMP): requirements-bench.txt lock/torch.txt $(STAMP)
	$(call environment,.venv-bench,lock/torch.txt)
# The notebook's JupyterLab and jupytext (lock/notebook.txt) in .venv-notebook, made the same way
# with the study extra (the notebook's intervals use SciPy): not in .venv, because JupyterLab needs
# jsonschema 4 and the tests' cffconvert (lock/test.txt) jsonschema 3.
NOTEBOOK_STAMP := .venv-notebook/.installed
$(NOTEBOOK_STAMP): requirements-notebook.txt lock/notebook.txt lock/study.txt $(STAMP)
	$(call environment,.venv-notebook,lock/notebook.txt lock/study.txt)

# Dask on a worker or scheduler machine of a cluster (doc/cluster.md), from its lock.
cluster-install: $(CLUSTER_STAMP)

# The locks (lock/README.md): every package of a run, per TensorFlow wheel, of each extra and of uv
# itself, pinned with its hashes by the pinned uv, from the packages PyPI had at LOCK_DATE, so that
# the same command writes the same files. The extras are resolved against the CPU run lock, so they
# share its pins. Written in build/lock first, then moved.
LOCK_DATE ?= 2026-12-01T00:00:00Z
LOCK_BUILD := build/lock
# The torch lock (Linux x86_64, CPython 3.11) holds PyTorch's CPU wheel, which is not on PyPI but on
# PyTorch's index; TORCH_WHEELS is where `make lock` finds it (a folder of wheels works too:
# `make lock TORCH_WHEELS=/path/to/wheels`), and the lock itself names only PyTorch's page. Its torch
# line carries the marker of that one wheel, so that elsewhere the lock installs without torch and
# the torch backend says why in one line (backend.py).
TORCH_PAGE := https://download.pytorch.org/whl/cpu/torch/
TORCH_WHEELS ?= $(TORCH_PAGE)
TORCH_MARKER := python_version == "3.11" and sys_platform == "linux" and platform_machine == "x86_64"
UV_COMPILE = $(UV) pip compile -q --generate-hashes --universal --python-version 3.11 \
  --exclude-newer $(LOCK_DATE) --custom-compile-command "make lock"
lock: | $(UV)
	@mkdir -p $(LOCK_BUILD)
	@grep -v '^tensorflow==' requirements.txt > $(LOCK_BUILD)/run.txt
	@set -f; for wheel in $$($(PY) lock/tensorflow_wheel.py locks); do \
	  echo "$${wheel#*:}==$(TF_PIN)" > $(LOCK_BUILD)/wheel.txt; \
	  $(UV_COMPILE) $(LOCK_BUILD)/wheel.txt $(LOCK_BUILD)/run.txt -o lock/run-$${wheel%%:*}.txt || exit 1; done
	@for extra in demo test cluster study notebook; do $(UV_COMPILE) requirements-$$extra.txt -c lock/run-cpu.txt -o lock/$$extra.txt || exit 1; done
	@$(UV_COMPILE) requirements-uv.txt -o lock/uv.txt
	@$(UV_COMPILE) requirements.txt requirements-keras2.txt -o lock/keras2.txt
	@$(UV_COMPILE) requirements-jax.txt -c lock/run-cpu.txt -o lock/jax.txt
	@$(subst --universal,--python-platform x86_64-manylinux_2_28,$(UV_COMPILE)) requirements-torch.txt \
	  -c lock/run-cpu.txt --find-links $(TORCH_WHEELS) -o $(LOCK_BUILD)/torch.txt
	@{ sed -n 1,2p $(LOCK_BUILD)/torch.txt; echo "# For Linux x86_64 and CPython 3.11 only (the marker on torch's line): torch's CPU build is not on PyPI but on PyTorch's index."; \
	  echo "--find-links $(TORCH_PAGE)"; sed -e 1,2d -e 's/^\(torch==[^ ]*\) \\$$/\1 ; $(TORCH_MARKER) \\/' $(LOCK_BUILD)/torch.txt; } > lock/torch.txt
	@echo "wrote lock/: $$(ls lock/*.txt | tr '\n' ' ')(packages as of $(LOCK_DATE))"

# Always runs: it verifies data/mnist.npz (a second), honours MNIST_NPZ, and rebuilds a damaged cache.
data: install
	$(BIN)/python -m mnist_repro data

# The study: SEEDS seeds (0..SEEDS-1) of each version in VERSIONS; complete runs are skipped.
SEEDS ?= 5
VERSIONS ?= $(ALL_VERSIONS)
# CLUSTER=tcp://host:8786 sends the runs to a Dask scheduler, CLUSTER=local starts WORKERS local
# worker processes (doc/cluster.md; needs requirements-cluster.txt).
CLUSTER ?=
WORKERS ?= 2
reproduce: install data $(STUDY_STAMP) $(BACKEND_STAMP) $(if $(CLUSTER),$(CLUSTER_STAMP))
	$(BACKEND_BIN)/python -m mnist_repro reproduce --seeds $(SEEDS) --versions "$(VERSIONS)"$(BACKEND_FLAG) $(if $(CLUSTER),--cluster $(CLUSTER) --workers $(WORKERS))
	$(BIN)/python -m mnist_repro report

report: install $(STUDY_STAMP)
	$(BIN)/python -m mnist_repro report

# Every generated block of the hand-written docs (`<!-- NAME:start (make TARGET) -->`) and every page
# written from its committed JSON, again from the committed data (doc/render.py; a test fails on a stale one).
docs: install $(STUDY_STAMP)
	$(BIN)/python doc/render.py

# IMAGE reaches the command through the environment, quoted by the shell: a path with spaces,
# quotes or non-ASCII characters arrives whole.
IMAGE ?=
export IMAGE
predict: install
	@test -n "$$IMAGE" || { echo "error: no image given; use make predict IMAGE=path/to/digit.png [VERSION=N]" >&2; exit 2; }
	$(BIN)/python -m mnist_repro predict --version $(VERSION) "$$IMAGE"

# The demo page on http://127.0.0.1:8000/ (HOST and PORT to change it); Ctrl-C stops it.
HOST ?= 127.0.0.1
PORT ?= 8000
demo: install $(DEMO_STAMP)
	$(BIN)/python -m mnist_repro serve --host $(HOST) --port $(PORT)

# 500 requests from 8 concurrent clients against the demo on 127.0.0.1 (benchmarks/demo-load.md).
demo-load: install data $(DEMO_STAMP) $(TEST_STAMP)
	$(BIN)/python benchmarks/demo_load.py

# The report as a notebook (notebooks/report.ipynb, paired with its text notebooks/report.py by jupytext):
# JupyterLab on http://HOST:NOTEBOOK_PORT/ (127.0.0.1:8888), opened at the notebook; Ctrl-C stops it. As root
# (a container, this project's CI machine) JupyterLab refuses to start without --allow-root, so root passes it.
NOTEBOOK_PORT ?= 8888
notebook: install data $(NOTEBOOK_STAMP)
	.venv-notebook/bin/python -m jupyterlab --ServerApp.ip=$(HOST) --ServerApp.port=$(NOTEBOOK_PORT) \
	  --ServerApp.root_dir="$(CURDIR)" $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/report.ipynb

# Runs every cell of notebooks/report.py in a fresh kernel, from a clean tree of committed code, and writes
# notebooks/report.ipynb with the outputs (version 1 trained in full, versions 2 and 3 loaded). After a change
# of src/ that leaves the outputs standing, notebook-stale lists the changed files in its first cell instead.
notebook-run: install data $(NOTEBOOK_STAMP)
	.venv-notebook/bin/python notebooks/execute.py

notebook-stale: $(NOTEBOOK_STAMP)
	.venv-notebook/bin/python notebooks/execute.py --stale

# Relabels MNIST with each committed model.keras and checks the committed labels and result.txt.
verify: install data
	$(BIN)/python -m mnist_repro verify

analyze: install data
	$(BIN)/python -m mnist_repro analyze --version $(VERSION)

# The ladder of issue 44 (doc/ladder.md): `make ladder-run RUNG=fast` trains one rung into
# deliverables/ladder/NAME/ (a bad RUNG is one line naming the rungs); `make ladder` runs the end
# rungs' test-set seeds into deliverables/ladder/seeds/ (skipping done ones; RUNGS="fast" SEEDS=10 to
# choose; without SEEDS, each rung's own count: not the study's SEEDS default), then renders
# doc/ladder.md, doc/ladder.json and doc/ladder.png; `make ladder-page` renders them alone.
RUNG ?= fast
RUNGS ?= fast accurate
ladder-run: install data
	$(BIN)/python -m mnist_repro run --rung $(RUNG) $(ARGS)

ladder: install data
	$(BIN)/python -m mnist_repro.ladder.seeds $(RUNGS) $(if $(filter command line environment,$(origin SEEDS)),--seeds $(SEEDS))
	$(MAKE) ladder-page

ladder-page: install
	$(BIN)/python -m mnist_repro.ladder.page

# The tests cover the demo, the optional Dask path, the report and the JAX and torch backends too, so
# make test installs their extras and the backends' environments (.venv-jax, .venv-torch).
# PYTEST_ARGS passes options through, e.g. PYTEST_ARGS=--durations=25 or PYTEST_ARGS="-k resume".
# PYTEST_WORKERS=2 pytest-xdist workers, each test module whole in one worker (their tests share
# fixtures and temp folders); doc/testing.md has the suite's times. 0: one process. `make test-install`
# installs what the tests need and runs nothing.
PYTEST_ARGS ?=
PYTEST_WORKERS ?= 2
test-install: install data $(TEST_STAMP) $(DEMO_STAMP) $(CLUSTER_STAMP) $(STUDY_STAMP) $(BACKEND_STAMPS)
test: test-install
	$(BIN)/python -m pytest -q --all-installed $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder) $(PYTEST_ARGS)

# The fast loop: the tests that neither train a model nor start a process (pytest --fast leaves out
# those marked slow, and fails one that does either), in one process, without the backends' environments.
test-fast: install data $(TEST_STAMP) $(DEMO_STAMP) $(CLUSTER_STAMP) $(STUDY_STAMP)
	$(BIN)/python -m pytest -q --fast $(PYTEST_ARGS)

# The suite under every supported CPython on PATH (python3.11, python3.12, python3.13), each first on
# PATH in a fresh clone of HEAD of its own, removed after its row (lock/pythons.py): one table of
# install time, disk, the bytes of a v1 and a small v2 run, and the tests. A missing one fails it.
# PYTHONS_FULL: the versions that run the whole suite (the others run make test-fast), "all" for
# each; PYTHONS_COLD=1 installs each row from an empty uv cache of its own; PYTHONS_PAGE=doc/pythons.md
# writes the table as that page too (the committed one says how it was made).
PYTHONS_FULL ?= 3.11
PYTHONS_COLD ?=
PYTHONS_PAGE ?=
test-pythons: | $(UV)
	PYTHONS_FULL="$(PYTHONS_FULL)" PYTHONS_COLD="$(PYTHONS_COLD)" PYTHONS_PAGE="$(PYTHONS_PAGE)" $(PY) lock/pythons.py

# The benchmark, on this machine: the project on TensorFlow, its Keras + JAX and Keras + torch rows
# as `mnist-repro run --backend jax|torch` in .venv-jax and .venv-torch (installed here from their
# locks, as make run BACKEND=... does), against plain PyTorch (in .venv-bench, from lock/torch.txt
# like .venv-torch: PyTorch's CPU build, never PyPI's CUDA one). A peer environment that cannot be
# built, or has no torch (no locked wheel for this Python), is skipped with a note; the project's
# rows still run. A subset goes to a folder of its own, leaving
# the committed results: BENCH_VERSIONS=1 BENCH_CONFIGS=keras_torch BENCH_OUT=build/bench make bench
# (benchmarks/bench.py lists the knobs).
bench: install data $(BACKEND_STAMPS)
	@$(MAKE) --no-print-directory $(BENCH_STAMP) PYTHON=$(PY) && .venv-bench/bin/python -c "import torch" 2>/dev/null \
	  || { echo "note: the peer (torch) could not be installed; benchmarking the project alone"; rm -rf .venv-bench; }
	$(BIN)/python benchmarks/bench.py

# results.md and results.png again from the committed results.json (no timing): after a change of
# how the tables are computed.
bench-render: install
	$(BIN)/python benchmarks/results.py

# The checks and experiments (experiments/, one script each): each writes its page in doc/.
# A full v2 run killed after epoch 7 and resumed, against the same run uninterrupted: kept in
# doc/resume-measurement.json, rendered as doc/resume-measurement.md.
resume-check: install data
	$(BIN)/python experiments/resume_check.py

# The v1 loss-gap A/B (doc/v1-gap.md): Keras 3 arms in .venv, Keras 2 (tf_keras) in .venv-keras2, and the
# 2018 stack (CPython 3.6, TF 1.12.0, Keras 2.2.4) in .venv-tf112, which the script installs from lock/tf112.txt
# when that arm first runs (lock/tf112.py; CPython 3.6 from PYTHON36= or pyenv). GAP_ARMS=2018-stack runs it alone.
v1-gap: install data $(STUDY_STAMP)
	@test -x .venv-keras2/bin/python || { $(PY) -m venv .venv-keras2 && $(PY) lock/install.py .venv-keras2/bin/python lock/keras2.txt \
	  && .venv-keras2/bin/python -m pip install -q --no-deps -e .; } || echo "note: tf_keras could not be installed; the keras2 arm is skipped"
	$(BIN)/python experiments/v1_gap.py

# lock/tf112.txt again from requirements-tf112.txt: uv does not resolve for Python 3.6, so pip 21.3.1 on CPython
# 3.6 downloads the files from PyPI and lock/tf112.py hashes each one (lock/README.md).
lock-tf112:
	$(PY) lock/tf112.py lock

# Which CPU kinds and oneDNN settings give the same bytes: v1 seeds 0 and 5 and v2 seed 0 under each
# setting, recorded per CPU in doc/determinism.json and tabled in doc/determinism.md.
cross-cpu: install data $(STUDY_STAMP)
	$(BIN)/python experiments/cross_cpu.py

# The study on a Dask LocalCluster of 1 and 2 workers against one run after another: kept in
# doc/cluster-measurement.json, rendered as doc/cluster-measurement.md and quoted by doc/cluster.md.
cluster-check: install data $(CLUSTER_STAMP) $(STUDY_STAMP)
	$(BIN)/python experiments/cluster_check.py
	$(BIN)/python doc/render.py

# The opt-in bf16 mode's full-length v3 accuracy over BF16_SEEDS seeds against the FP32 study (doc/bf16.md).
bf16-check: install data $(STUDY_STAMP)
	$(BIN)/python experiments/bf16_check.py

clean:
	rm -rf build checkpoints deliverables/.checkpoints .pytest_cache
	find . -name __pycache__ -type d -not -path './$(VENV)/*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) $(BACKEND_STAMPS:/.installed=) .venv-bench .venv-keras2 .venv-tf112 .venv-notebook $(UV_VENV) .cache/uv data src/*.egg-info

# doc/demo.png, the README's picture of the demo, remade on purpose: the browser test draws a digit
# and saves the page there (in `make test` it saves to build/demo.png, so no test writes a tracked file).
demo-screenshot: install data $(TEST_STAMP) $(DEMO_STAMP)
	DEMO_SCREENSHOT=$(CURDIR)/doc/demo.png $(BIN)/python -m pytest -q tests/test_serve.py -k real_browser

# Everything a fresh machine needs: `make demo` and `make test` create and fill .venv themselves.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
NB2PIPE := $(VENV)/bin/nb2pipe
SAMPLE ?= iris_classification
DEMO_DIR := demo_out
# The demo imports the generated package from its folder (PYTHONPATH reaches papermill's kernel),
# so nothing is installed into .venv that could shadow a later conversion of the same sample.
DEMO_SRC = $(abspath $(DEMO_DIR)/$(SAMPLE)_pipeline/src)

.PHONY: demo lab test install venv clean samples bench lab-install lab-unlink lab-build test-py test-js test-ui bench-lab fuzz

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

venv: $(PY)

# Editable installs skip the JupyterLab extension's npm build (the CLI needs no Node); the lab
# targets build it with jlpm. A wheel (python -m build) still ships it prebuilt.
NO_NODE := HATCH_BUILD_NO_HOOKS=true

# Stamp file: reinstall when the package metadata changes.
$(VENV)/.installed: pyproject.toml | $(PY)
	@$(MAKE) --no-print-directory lab-unlink
	$(NO_NODE) $(PIP) install --quiet -e ".[test,mlflow,kfp]"
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (ipykernel)" >/dev/null
	touch $@

install: $(VENV)/.installed

demo: install
	@rm -rf $(DEMO_DIR) && mkdir -p $(DEMO_DIR)/.lifecycle
	@cp sample_notebooks/executed/$(SAMPLE).ipynb $(DEMO_DIR)/$(SAMPLE).ipynb
	@echo "1/7 The stages of $(DEMO_DIR)/$(SAMPLE).ipynb (a copy of sample_notebooks/executed/$(SAMPLE).ipynb):"
	@$(NB2PIPE) stages $(DEMO_DIR)/$(SAMPLE).ipynb
	@echo; echo "2/7 Convert it into a package:"
	@$(NB2PIPE) convert $(DEMO_DIR)/$(SAMPLE).ipynb -o $(DEMO_DIR)/$(SAMPLE)_pipeline
	@echo; echo "3/7 The generated package's tests:"
	@cd $(DEMO_DIR)/$(SAMPLE)_pipeline && ../../$(PY) -m pytest -q -p no:cacheprovider | tail -1
	@echo; echo "4/7 Run the package from the command line (recorded as a pipeline run):"
	@cd $(DEMO_DIR) && PYTHONPATH=$(DEMO_SRC) ../$(PY) -m $(SAMPLE)_pipeline
	@echo; echo "5/7 A papermill rerun of the generated run.ipynb with n_estimators=10:"
	@cd $(DEMO_DIR)/$(SAMPLE)_pipeline && PYTHONPATH=$(DEMO_SRC) ../../$(PY) -m papermill --log-level WARNING \
		--no-progress-bar -k python3 run.ipynb ../run_out.ipynb -p n_estimators 10 \
		2>../papermill.log || (cat ../papermill.log; exit 1)
	@$(PY) -c "from jupyter_lifecycle.notebook import read_notebook; \
		from jupyter_lifecycle.notebook.outputs import recorded_metrics; \
		print('metrics of the rerun ($(DEMO_DIR)/run_out.ipynb):', \
		recorded_metrics(read_notebook('$(DEMO_DIR)/run_out.ipynb')))"
	@echo; echo "6/7 Two recorded notebook runs with different parameters, and what differs:"
	@$(NB2PIPE) run $(DEMO_DIR)/$(SAMPLE).ipynb >/dev/null
	@$(NB2PIPE) run $(DEMO_DIR)/$(SAMPLE).ipynb -p n_estimators 10 >/dev/null
	@cd $(DEMO_DIR) && ../$(NB2PIPE) runs list
	@cd $(DEMO_DIR) && ../$(NB2PIPE) runs compare \
		$$(../$(NB2PIPE) runs list --json | ../$(PY) -c "import json, sys; \
		runs = [r['run_id'] for r in json.load(sys.stdin) if r['kind'] == 'papermill']; print(runs[1][:8], runs[0][:8])")
	@echo; echo "7/7 Proof that the pipeline reproduces the notebook, stage by stage:"
	@$(NB2PIPE) verify $(DEMO_DIR)/$(SAMPLE).ipynb --package $(DEMO_DIR)/$(SAMPLE)_pipeline -p n_estimators 10
	@echo; echo "Done. The package is in $(DEMO_DIR)/$(SAMPLE)_pipeline/, the runs are in" \
		"$(DEMO_DIR)/.lifecycle/runs.sqlite (cd $(DEMO_DIR) && ../$(NB2PIPE) runs list)."
	@echo "Next: 'make lab' opens JupyterLab with the Lifecycle sidebar on the sample notebooks."

# JupyterLab with the extension built from labextension/, on the sample notebooks
# (no browser is opened when CI is set).
lab: lab-build
	cd sample_notebooks && $(VENV_BIN)/jupyter lab $(if $(CI),--no-browser,)

# `make test`: jest (model code), galata (JupyterLab in Debian's chromium), then pytest (all,
# the server extension's routes included). Every suite runs; any failure fails the target.
test: install lab-build
	@status=0; \
	(cd $(LABEXT) && $(JLPM) test) || status=1; \
	VENV_BIN=$(VENV_BIN) $(LABEXT)/ui-tests/run.sh || status=1; \
	echo "galata screenshots: $(LABEXT)/ui-tests/screenshots/"; \
	$(PY) -m pytest -q || status=1; \
	exit $$status

test-py: install
	$(PY) -m pytest -q

# The notebook fuzzer (tests/test_fuzz.py) with fresh randomness and many examples; `make test`
# runs 150 fixed ones. FUZZ_EXAMPLES=20000 make fuzz for a longer run.
FUZZ_EXAMPLES ?= 5000
fuzz: install
	NB2PIPE_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -q tests/test_fuzz.py --hypothesis-show-statistics

# --- JupyterLab extension (labextension/) ------------------------------------------------------
LABEXT := labextension
VENV_BIN := $(abspath $(VENV))/bin
JLPM := PATH="$(VENV_BIN):$$PATH" $(VENV_BIN)/jlpm
CHROMIUM ?= /usr/bin/chromium

# Python side (jupyterlab, jupyter_server, pytest-jupyter), node_modules of the extension and of
# its ui-tests, and Debian's chromium for galata (Playwright's own browser download is not used).
$(VENV)/.lab-installed: pyproject.toml $(LABEXT)/package.json $(LABEXT)/yarn.lock \
		$(LABEXT)/ui-tests/package.json $(LABEXT)/ui-tests/yarn.lock | $(VENV)/.installed
	@$(MAKE) --no-print-directory lab-unlink
	$(NO_NODE) $(PIP) install --quiet -e ".[test,lab]" "pytest-jupyter[server]>=0.10"
	cd $(LABEXT) && $(JLPM) install
	cd $(LABEXT)/ui-tests && $(JLPM) install
	@test -x $(CHROMIUM) || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)
	touch $@

lab-install: $(VENV)/.lab-installed

# lab-build links the venv's copy of the extension to the build output; pip must never write
# through that link (it would add install.json to the build and delete built files when it
# reinstalls), so every pip install of the project drops the link first.
lab-unlink:
	@if [ -L $(VENV)/share/jupyter/labextensions/jupyter-lifecycle ]; then \
		rm $(VENV)/share/jupyter/labextensions/jupyter-lifecycle; fi
	@rm -f jupyter_lifecycle/labextension/install.json

# Always rebuild (incremental, seconds) and point JupyterLab at the build (symlink), so the
# tests run what is in labextension/src now.
lab-build: lab-install
	cd $(LABEXT) && $(JLPM) build
	$(VENV_BIN)/jupyter-builder develop --overwrite . >/dev/null

test-js: lab-install
	cd $(LABEXT) && $(JLPM) test

test-ui: lab-build
	VENV_BIN=$(VENV_BIN) $(LABEXT)/ui-tests/run.sh
	@echo "galata screenshots: $(LABEXT)/ui-tests/screenshots/"

# With a 1,000-cell notebook open: tag change -> sidebar and badges updated (target <= 50 ms).
bench-lab: lab-build
	NODE_PATH=$(abspath $(LABEXT))/ui-tests/node_modules VENV_BIN=$(VENV_BIN) \
		$(LABEXT)/ui-tests/run.sh --config playwright.bench.config.js

# The benchmark's own venv: the package and nbconvert, no JupyterLab (nbconvert's start-up grows
# with the Jupyter packages installed next to it, so the ratios are measured without them).
BENCH_VENV := .venv-bench

$(BENCH_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --upgrade pip
	$(NO_NODE) $(BENCH_VENV)/bin/pip install --quiet -e . nbconvert
	touch $@

bench: $(BENCH_VENV)/.installed
	$(BENCH_VENV)/bin/python benchmarks/convert_bench.py

samples: install
	$(PY) scripts/make_samples.py

clean:
	rm -rf $(DEMO_DIR) .pytest_cache build dist *.egg-info
	rm -rf $(LABEXT)/lib $(LABEXT)/tsconfig.tsbuildinfo $(LABEXT)/ui-tests/test-results jupyter_lifecycle/labextension

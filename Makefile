# Everything a fresh machine needs: `make demo` and `make test` create and fill .venv themselves.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
NB2PIPE := $(VENV)/bin/nb2pipe
SAMPLE ?= iris_classification
DEMO_DIR := demo_out

.PHONY: demo test install venv clean samples bench

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

venv: $(PY)

# Stamp file: reinstall when the package metadata changes.
$(VENV)/.installed: pyproject.toml | $(PY)
	$(PIP) install --quiet -e ".[test,mlflow]"
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (jupyter_lifecycle)" >/dev/null
	touch $@

install: $(VENV)/.installed

demo: install
	rm -rf $(DEMO_DIR) && mkdir -p $(DEMO_DIR)
	@echo "== convert sample_notebooks/$(SAMPLE).ipynb"
	cp sample_notebooks/executed/$(SAMPLE).ipynb $(DEMO_DIR)/$(SAMPLE).ipynb
	$(NB2PIPE) stages $(DEMO_DIR)/$(SAMPLE).ipynb
	$(NB2PIPE) convert $(DEMO_DIR)/$(SAMPLE).ipynb -o $(DEMO_DIR)/$(SAMPLE)_pipeline
	@echo "== the generated package's tests"
	cd $(DEMO_DIR)/$(SAMPLE)_pipeline && ../../$(PY) -m pytest -q
	@echo "== run it from the command line"
	cd $(DEMO_DIR) && PYTHONPATH=$(SAMPLE)_pipeline/src ../$(PY) -m $(SAMPLE)_pipeline
	@echo "== papermill rerun of run.ipynb with another parameter"
	cd $(DEMO_DIR)/$(SAMPLE)_pipeline && ../../$(PY) -m papermill --log-level WARNING -k python3 \
		run.ipynb ../run_out.ipynb -p n_estimators 10
	$(PY) -c "from jupyter_lifecycle.notebook import read_notebook; \
		from jupyter_lifecycle.notebook.outputs import recorded_metrics; \
		print('metrics of the rerun:', recorded_metrics(read_notebook('$(DEMO_DIR)/run_out.ipynb')))"

test: install
	$(PY) -m pytest -q

bench: install
	$(PY) benchmarks/convert_bench.py

samples: install
	$(PY) scripts/make_samples.py

clean:
	rm -rf $(DEMO_DIR) .pytest_cache build dist *.egg-info

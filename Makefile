# The two commands a new user needs: `make demo` and `make test`.
# Both set up the environment first when it is missing (Linux, Python 3.10+).
VENV ?= .venv
CORES ?= all
PYTHON := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo report test lint dry-run clean-results

$(STAMP): envs/requirements.txt envs/requirements.lock pyproject.toml scripts/setup_env.sh
	bash scripts/setup_env.sh $(VENV)
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/snakemake --cores $(CORES)

# A zipped report, unpacked to results/report/report.html: as one self-contained HTML file the
# interactive 3D views (6-7 MB each) open blank in Chromium, which loads no embedded file over 2 MB.
report: $(STAMP)
	$(VENV)/bin/snakemake --report results/report.zip
	$(PYTHON) -m zipfile -e results/report.zip results

test: $(STAMP)
	bash scripts/setup_test_packages.sh
	$(VENV)/bin/pytest -v -rP --durations=15

lint: $(STAMP)
	$(VENV)/bin/snakemake --lint
	$(VENV)/bin/snakefmt --check Snakefile rules
	$(VENV)/bin/ruff check invnerf_seg scripts tools tests

dry-run: $(STAMP)
	$(VENV)/bin/snakemake -n

clean-results:
	rm -rf results logs resources/demo .snakemake

# Two commands do everything on a fresh Debian 12 machine:
#   make demo   installs what is missing, then checks a bundled board and prints the report
#   make test   installs what is missing, then runs the linters and the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
VPY    := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
KICAD_PTH := $(VENV)/lib/python3.11/site-packages/zz_kicad_dist_packages.pth
DEMO_BOARD := fixtures/boards/bga-0.8mm-clean.kicad_pcb
TYPECHECK := build/typecheck

.PHONY: setup system kicad10-api venv demo lint test test-fast fuzz bench package fixtures clean

setup: system venv kicad10-api

system:
	bash .ci/install_system.sh

# KiCad 10's pcbnew.py (unpacked, not installed) for the test that our SWIG names exist in 9 and 10.
kicad10-api:
	bash .ci/fetch_kicad10_api.sh

# The venv pins numpy/shapely/pytest (requirements.txt) and the linters (requirements-dev.txt),
# and sees Debian's KiCad module through a .pth file that APPENDS /usr/lib/python3/dist-packages
# to sys.path (pinned packages win).
venv: $(STAMP)
$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip
	$(VPY) -m pip install -q -r requirements.txt -r requirements-dev.txt
	$(VPY) -m pip install -q -e . --no-deps
	$(VPY) -c "import sys; print(sys.version)" >/dev/null
	echo /usr/lib/python3/dist-packages > $$($(VPY) -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")/zz_kicad_dist_packages.pth
	touch $(STAMP)

demo: setup
	$(VENV)/bin/bga-check check $(DEMO_BOARD) || test $$? -eq 1

# ruff on every Python file (settings in pyproject.toml); mypy on the core and the solver. mypy
# cannot see through the editable install's import hook, so it reads a tree of links that puts
# plugin/ and solver/ where the installed package has them (bgacheck/, bgacheck/solver/).
lint: venv
	$(VENV)/bin/ruff check .
	rm -rf $(TYPECHECK) && mkdir -p $(TYPECHECK)/bgacheck
	ln -s $(CURDIR)/plugin/* $(TYPECHECK)/bgacheck/
	ln -s $(CURDIR)/solver $(TYPECHECK)/bgacheck/solver
	$(VENV)/bin/mypy

test: setup lint
	$(VPY) -m pytest -q -p no:cacheprovider

test-fast: venv lint
	$(VPY) -m pytest -q -m "not gui and not evolver and not slow" -p no:cacheprovider

# The board-file reader under mutated real boards for 15 minutes (make test runs it for ~1).
fuzz: venv
	BGACHECK_FUZZ_SECONDS=900 $(VPY) -m pytest -q -p no:cacheprovider tests/unit/test_file_reader_fuzz.py

bench: setup
	$(VPY) bench/bench_reader.py
	$(VPY) bench/bench_detect.py
	$(VPY) bench/bench_solver.py

fixtures: setup
	$(VPY) fixtures/fanout.py --demo fixtures/boards

package: venv
	$(VPY) .ci/build_pcm.py

clean:
	rm -rf $(VENV) dist build *.egg-info plugin/*.egg-info

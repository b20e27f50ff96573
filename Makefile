# Deux commandes suffisent sur une machine Debian neuve :
#   make demo   installe ce qui manque et construit un dossier d'exemple
#   make test   installe ce qui manque et lance les tests
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
SAMPLE ?= samples/01_non_imputable_toutes_fonctions/dossier.yaml

.PHONY: install demo test samples bench clean

install:
	@bash scripts/install.sh

demo: install
	$(BIN)/pipeline build $(SAMPLE) -o out

test: install
	$(BIN)/python -m pytest -q

samples: install
	$(BIN)/python samples/make_check_samples.py samples/_generated --scans

bench: install
	$(BIN)/python bench/bench_build.py

clean:
	rm -rf out build *.egg-info

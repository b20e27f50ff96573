# Deux commandes suffisent sur une machine Debian neuve :
#   make demo   installe ce qui manque et construit un dossier d'exemple
#   make test   installe ce qui manque et lance les tests
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
SAMPLE ?= samples/01_non_imputable_toutes_fonctions/dossier.yaml

.PHONY: install demo test test-fast samples bench clean locale serve

install:
	@bash scripts/install.sh

demo: install
	$(BIN)/pipeline build $(SAMPLE) -o out

# Le bureau web sur http://127.0.0.1:8000/ (voir « Bureau web » dans le README).
serve: install
	$(BIN)/pipeline serve

test: install
	$(BIN)/python -m pytest -q

# Voie rapide (moins d'une minute sur deux cœurs) : sans les tests marqués @pytest.mark.slow, répartis sur les cœurs (pytest-xdist).
test-fast: install
	$(BIN)/python -m pytest -q -m "not slow" -n auto

samples: install
	$(BIN)/python samples/make_check_samples.py samples/_generated --scans

bench: install
	$(BIN)/python bench/bench_build.py

# Recompile the French catalogue of the command line after editing messages.po (the .mo is versioned).
locale:
	msgfmt -c -o pipeline/locale/fr/LC_MESSAGES/messages.mo pipeline/locale/fr/LC_MESSAGES/messages.po

clean:
	rm -rf out build *.egg-info

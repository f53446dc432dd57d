# The two commands a newcomer needs: `make run` and `make test`. Everything else builds on .venv.
# constraints.txt pins every package (snapshots depend on exact Textual/Rich/Pillow rendering);
# refresh it with `make constraints` after changing dependencies.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench check install clean constraints

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/ipas-kiosk db upgrade
	$(BIN)/ipas-kiosk seed --demo --if-empty
	$(BIN)/ipas-kiosk run

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

check: $(STAMP)
	$(BIN)/ruff check kiosk tests bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis

constraints: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^ipas-kiosk' > constraints.txt

# The two commands a newcomer needs: `make run` and `make test`. Everything else builds on .venv.
# constraints.txt pins every package (snapshots depend on exact Textual/Rich/Pillow rendering);
# refresh it with `make constraints` after changing dependencies.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench probe check install clean constraints browser bytecode

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

install: $(STAMP) bytecode

# The package is an editable install and this environment sets PYTHONDONTWRITEBYTECODE=1, so
# Python would compile every kiosk module from source at every start — on the event loop for the
# pages imported late (20 of a page's 25 ms), 0.1 s of the first paint. Compile them once, as
# installing a wheel does; Python still checks each file's time and recompiles a changed one in
# memory. Up to date it takes 0.06 s (bench/README.md, "Third pass").
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q kiosk bench

# One process: upgrades and seeds only what is not done yet (a second start skips both in ms).
run: $(STAMP) bytecode
	$(BIN)/ipas-kiosk run --prepare-demo

# Three workers on two cores: a screen test spends half its time waiting for the next frame (two
# workers kept the cores about 55 % busy; the suite took 15 min), so a third fills the gaps.
test: $(STAMP) bytecode browser
	$(BIN)/python -m pytest -n 3 -m "slow or not slow" $(PYTEST_ARGS)

# tests/browser drive Debian's chromium (never a browser download: no `playwright install`);
# installed here when missing, as root with apt-get, else they skip and say why.
browser:
	@if [ -x /usr/bin/chromium ]; then \
	  echo "browser: /usr/bin/chromium is installed"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "browser: installing Debian's chromium and CJK fonts"; \
	  (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-noto-cjk) \
	    || echo "browser: apt-get could not install chromium: tests/browser will skip"; \
	else \
	  echo "browser: /usr/bin/chromium is missing and this is not root with apt-get: tests/browser will skip"; \
	fi

bench: $(STAMP) bytecode
	$(BIN)/python -m bench $(BENCH_ARGS)

# The hardening figures (issue 10): fuzz 10,000 cases per use case, kill -9 during registrations
# on SQLite and PostgreSQL, a vanished and a locked database. Minutes; not part of `make test`.
probe: $(STAMP) bytecode
	$(BIN)/python -m bench.probe $(PROBE_ARGS)

check: $(STAMP)
	$(BIN)/ruff check kiosk tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis

constraints: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^ipas-kiosk' > constraints.txt

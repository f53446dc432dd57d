# The two commands a newcomer needs: `make run` and `make test`. Everything else builds on .venv.
# constraints.txt pins every package (snapshots depend on exact Textual/Rich/Pillow rendering);
# refresh it with `make constraints` after changing dependencies.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench probe check install clean constraints browser

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# One process: upgrades and seeds only what is not done yet (a second start skips both in ms).
run: $(STAMP)
	$(BIN)/ipas-kiosk run --prepare-demo

# Three workers on two cores: a screen test spends half its time waiting for the next frame (two
# workers kept the cores about 55 % busy; the suite took 15 min), so a third fills the gaps.
test: $(STAMP) browser
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

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

# The hardening figures (issue 10): fuzz 10,000 cases per use case, kill -9 during registrations
# on SQLite and PostgreSQL, a vanished and a locked database. Minutes; not part of `make test`.
probe: $(STAMP)
	$(BIN)/python -m bench.probe $(PROBE_ARGS)

check: $(STAMP)
	$(BIN)/ruff check kiosk tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis

constraints: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^ipas-kiosk' > constraints.txt

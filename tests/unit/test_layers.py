"""The code's shape is kept by tools, not by lists kept by hand: import-linter's contracts in
pyproject.toml (the layers cli → ui → core → infra, no Textual or Rich below the UI, the two
apps independent), no import cycle between modules (imports under TYPE_CHECKING aside), no module
much over 500 lines without a reason in its docstring."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
LONG_MODULE = 520  # "about 500 lines"


def test_the_import_contracts_are_kept() -> None:
    """What ``make check`` runs, run here too (the console script beside this Python)."""
    command = [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:]
    assert "3 kept, 0 broken" in run.stdout


def _cycles() -> list[list[str]]:
    """Strongly connected groups of kiosk modules (Tarjan), lazy imports included."""
    graph = grimp.build_graph("kiosk", exclude_type_checking_imports=True)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in graph.find_modules_directly_imported_by(module):
            if not other.startswith("kiosk"):
                continue
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                group.append(other)
                if other == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for module in sorted(graph.modules):
        if module.startswith("kiosk") and module not in index:
            visit(module)
    return found


def test_no_import_cycle_between_modules() -> None:
    assert _cycles() == []


def test_long_modules_say_why() -> None:
    long = []
    for path in sorted((ROOT / "kiosk").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > LONG_MODULE and "Why this module is long" not in text:
            long.append(f"{path.relative_to(ROOT)}: {text.count(chr(10))} lines")
    assert long == []


def test_the_domain_runs_without_textual() -> None:
    """Besides the contract: importing every domain module in a clean interpreter loads no
    Textual (a lazy import inside a function would pass the contract but not this)."""
    modules = sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for base in ("core", "infra")
        for p in (ROOT / "kiosk" / base).rglob("*.py")
        if "migrations" not in p.parts
    )
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "loaded = (m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(sorted(loaded)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
    assert len(modules) > 30

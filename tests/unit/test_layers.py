"""The layer line: nothing below the screens imports Textual (checked in a clean interpreter)."""

from __future__ import annotations

import subprocess
import sys

DOMAIN = [
    "kiosk.accounts",
    "kiosk.assets",
    "kiosk.audit",
    "kiosk.captcha",
    "kiosk.cli",
    "kiosk.config",
    "kiosk.delivery",
    "kiosk.demo",
    "kiosk.i18n",
    "kiosk.migrate",
    "kiosk.national_id",
    "kiosk.oplog",
    "kiosk.passwords",
    "kiosk.romanize",
    "kiosk.rules",
    "kiosk.store",
]


def test_domain_modules_do_not_import_textual() -> None:
    code = (
        "import sys\n"
        f"for name in {DOMAIN!r}: __import__(name)\n"
        "leaked = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(leaked))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_the_app_module_does_import_textual() -> None:
    """Guards the check above: the same probe sees Textual when it is imported."""
    code = "import sys, kiosk.app; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"

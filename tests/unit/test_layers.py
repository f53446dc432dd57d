"""The layer line: nothing below the screens imports Textual (checked in a clean interpreter)."""

from __future__ import annotations

import subprocess
import sys

DOMAIN = [
    "kiosk.core.accounts",
    "kiosk.infra.assets",
    "kiosk.core.audit",
    "kiosk.core.captcha",
    "kiosk.cli",
    "kiosk.infra.config",
    "kiosk.core.delivery",
    "kiosk.core.demo",
    "kiosk.infra.i18n",
    "kiosk.infra.migrate",
    "kiosk.core.national_id",
    "kiosk.infra.oplog",
    "kiosk.core.passwords",
    "kiosk.core.romanize",
    "kiosk.core.rules",
    "kiosk.infra.store",
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
    code = "import sys, kiosk.ui.kiosk.app; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"

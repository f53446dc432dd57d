"""Test-only entry point that tests/browser/test_serve.py serves with ``ipas-kiosk serve
--command``: the real KioskApp, configured from the environment like ``ipas-kiosk run``, with a
fixed captcha answer. The product has no way to fix the captcha from outside Python (a
contract: README, "Contracts"); this script is that Python, and it lives in tests/ only."""

from __future__ import annotations

from kiosk.infra.config import Settings
from kiosk.ui.kiosk.app import KioskApp

CAPTCHA = "12345"


def main() -> None:
    KioskApp(Settings(), captcha_source=lambda: CAPTCHA, captcha_seed=7).run()


if __name__ == "__main__":
    main()

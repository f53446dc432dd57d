"""Test-only entry for ``serve --entry``: a forked session writes down the source it was given
(tests/browser/test_serve_source.py), as the spawned ``--command`` there does."""

from __future__ import annotations

import os


def main() -> None:
    with open(os.environ["IPAS_KIOSK_TEST_SOURCES"], "a", encoding="utf-8") as sources:
        sources.write(os.environ.get("IPAS_KIOSK_SOURCE", "unset") + "\n")

"""Public import path ``kiosk.store`` (scripts and checks use it): the code lives in
``kiosk.infra.store``; this module only re-exports it."""

from kiosk.infra.store import *  # noqa: F403

"""Public import path ``kiosk.rules`` (scripts and checks use it): the code lives in
``kiosk.core.rules``; this module only re-exports it."""

from kiosk.core.rules import *  # noqa: F403

"""Public import path ``kiosk.accounts`` (scripts and checks use it): the code lives in
``kiosk.core.accounts``; this module only re-exports it."""

from kiosk.core.accounts import *  # noqa: F403

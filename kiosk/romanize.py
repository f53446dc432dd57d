"""Public import path ``kiosk.romanize`` (scripts and checks use it): the code lives in
``kiosk.core.romanize``; this module only re-exports it."""

from kiosk.core.romanize import *  # noqa: F403

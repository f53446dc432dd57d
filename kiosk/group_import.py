"""Public import path ``kiosk.group_import`` (scripts and checks use it): the code lives in
``kiosk.core.group_import``; this module only re-exports it."""

from kiosk.core.group_import import *  # noqa: F403

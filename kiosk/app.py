"""Public import path ``kiosk.app`` (scripts and checks use it): the code lives in
``kiosk.ui.kiosk.app``; this module only re-exports it."""

from kiosk.ui.kiosk.app import KioskApp

__all__ = ["KioskApp"]

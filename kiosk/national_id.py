"""Public import path ``kiosk.national_id`` (scripts and checks use it): the code lives in
``kiosk.core.national_id``; this module only re-exports it."""

from kiosk.core.national_id import *  # noqa: F403

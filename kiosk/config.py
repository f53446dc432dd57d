"""Public import path ``kiosk.config`` (scripts and checks use it): the code lives in
``kiosk.infra.config``; this module only re-exports it."""

from kiosk.infra.config import *  # noqa: F403

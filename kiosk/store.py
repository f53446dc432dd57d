"""Public import path ``kiosk.store`` (scripts and checks use it): the code lives in
``kiosk.infra.store`` (and the tables in ``kiosk.infra.tables``); this module only re-exports
them."""

from kiosk.infra.store import *  # noqa: F403
from kiosk.infra.tables import *  # noqa: F403

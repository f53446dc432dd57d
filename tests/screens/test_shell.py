"""What the shared shell gives every page (kiosk.ui.shell), seen on screen: the two messages
widgets post are handled — a new captcha picture empties and focuses the code box, and a rule's
error under a field goes once another field's change makes the rule pass."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Input, Static

from kiosk.ui.kiosk.app import KioskApp
from kiosk.ui.shell import ShellApp, ShellScreen, StoreUnavailable
from kiosk.ui.staff.app import StaffApp
from kiosk.ui.staff.app import StoreUnavailable as StaffStoreUnavailable
from tests.screens.conftest import type_into, visible_text, wait_for
from tests.screens.test_registration import paste


def test_both_apps_and_their_pages_stand_on_one_shell() -> None:
    from kiosk.ui.kiosk.app import StoreUnavailable as KioskStoreUnavailable
    from kiosk.ui.kiosk.base import KioskScreen
    from kiosk.ui.staff.base import StaffScreen

    assert issubclass(KioskApp, ShellApp) and issubclass(StaffApp, ShellApp)
    assert issubclass(KioskScreen, ShellScreen) and issubclass(StaffScreen, ShellScreen)
    assert KioskStoreUnavailable is StaffStoreUnavailable is StoreUnavailable


async def test_a_new_picture_empties_the_code_box_and_puts_the_focus_there(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await type_into(pilot, "#account", "wang2026")
        await type_into(pilot, "#captcha-input", "99999")
        await type_into(pilot, "#account", "x")  # the focus away from the code box
        await pilot.click("#captcha-refresh")
        box = app.screen.query_one("#captcha-input", Input)
        await wait_for(pilot, lambda: app.focused is box and box.value == "")
        assert "99999" not in visible_text(app)
        assert app.screen.query_one("#account", Input).value == "wang2026x"


async def test_a_rule_error_goes_when_another_field_makes_the_rule_pass(
    app_factory: Callable[..., KioskApp],
) -> None:
    """Registration: the password contains the account; the page says so under the password.
    Changing the account (not the password) makes the rule pass, and the error goes."""
    from kiosk.infra.i18n import t
    from kiosk.ui.kiosk.registration import RegistrationScreen

    line_key = "rules.password.not_account"

    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        page = RegistrationScreen({"account": "zhangwei88", "password": "Zhangwei88#Kiosk"})
        await app.push_screen(page)
        await wait_for(pilot, lambda: page.ready)
        line = page.query_one("#password-error", Static)
        page.field("password").set_error(line_key)
        await wait_for(pilot, lambda: line.display and str(line.render()) == t(line_key))
        await paste(pilot, "#account", "chenmeiling7")
        await wait_for(pilot, lambda: not line.display and str(line.render()) == "")
        assert page.field("password").value == "Zhangwei88#Kiosk"


def test_use_is_typed_after_the_use_case() -> None:
    """``use`` and ``call_store`` take exactly the use case's arguments (mypy checks them; at
    run time a missing keyword is a TypeError, not a silent default)."""
    import inspect

    signature = inspect.signature(ShellApp.use)
    assert [p.kind for p in signature.parameters.values()][1:] == [
        inspect.Parameter.POSITIONAL_ONLY,
        inspect.Parameter.VAR_POSITIONAL,
        inspect.Parameter.VAR_KEYWORD,
    ]

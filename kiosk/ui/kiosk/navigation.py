"""Where a candidate goes next, in one place: after a login (registration, a forced password
change, the basic data to complete, or the candidate home), after a registration, a forced
change or a saved profile. Pages ask the app (``KioskApp.after_login``, ``continue_to``), which
asks this module; no page imports the app or this module, and none decides where it leads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from textual.screen import Screen

    from kiosk.core.accounts import CandidateView, LoginResult
    from kiosk.ui.kiosk.app import KioskApp

Step = Literal["", "home", "complete_profile"]


def after_login(app: KioskApp, result: LoginResult, *, login_page: Screen[None]) -> None:
    """A login that succeeded (or found no such account): open the next page above the login
    page, and wipe the login page once that page is painted (the values typed are not needed
    any more, and the next candidate must not find them behind it)."""
    from kiosk.core.accounts import LoginOutcome

    if result.outcome is LoginOutcome.REGISTER:
        from kiosk.ui.kiosk.registration import RegistrationScreen

        app.push_screen(RegistrationScreen(dict(result.prefill)))
    else:
        signed_in(app, result.candidate)
        if result.outcome is LoginOutcome.CHANGE_PASSWORD and result.candidate is not None:
            from kiosk.ui.kiosk.change_password import ChangePasswordScreen

            app.push_screen(
                ChangePasswordScreen(result.candidate, change_ticket=result.change_ticket)
            )
        elif result.outcome is LoginOutcome.COMPLETE_PROFILE:
            app.push_screen(page_for(app, "complete_profile"))
        else:
            app.push_screen(page_for(app, "home"))
    wipe = getattr(login_page, "wipe", None)
    if wipe is not None:
        app.call_after_refresh(wipe)


def signed_in(app: KioskApp, candidate: CandidateView | None) -> None:
    """The candidate the pages after login show (a fresh snapshot after each save)."""
    app.candidate = candidate


def continue_to(app: KioskApp, step: Step, candidate: CandidateView | None = None) -> None:
    """Replace the current page with the one ``step`` names (after a registration, a forced
    password change, a saved profile)."""
    if candidate is not None:
        signed_in(app, candidate)
    app.switch_screen(page_for(app, step or "home"))


def page_for(app: KioskApp, step: Step) -> Screen[None]:
    """``complete_profile``: the basic data, required before anything else; else the home."""
    if step == "complete_profile" and app.candidate is not None:
        from kiosk.ui.kiosk.basic_data import BasicDataScreen

        return BasicDataScreen(app.candidate, required=True)
    from kiosk.ui.kiosk.home import CandidateHomeScreen

    return CandidateHomeScreen()

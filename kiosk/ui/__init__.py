"""The Textual apps: the kiosk (ui.kiosk), the help-desk console (ui.staff), their shared shell and
widgets."""

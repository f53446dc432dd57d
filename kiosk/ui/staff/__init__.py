"""The help-desk staff console (``ipas-kiosk staff``): sign-in, search, candidate view, audit log.

``StaffApp`` is in ``kiosk.ui.staff.app``; the screens beside it call the domain modules
``kiosk.core.helpdesk.staff_accounts``, ``kiosk.core.helpdesk`` and ``kiosk.core.helpdesk.actions``
in worker threads.
"""

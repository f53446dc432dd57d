"""The help-desk staff console (``ipas-kiosk staff``): sign-in, search, candidate view, audit log.

``StaffApp`` is in ``kiosk.staff.app``; the screens beside it call the domain modules
``kiosk.staff_accounts``, ``kiosk.helpdesk`` and ``kiosk.helpdesk_actions`` in worker threads.
"""

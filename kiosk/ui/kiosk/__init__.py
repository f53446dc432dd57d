"""One screen per portal page."""

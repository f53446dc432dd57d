"""What the domain stands on: the store and its migrations, settings, catalogs, reference data, the
operator log."""

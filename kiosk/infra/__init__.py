"""What the domain stands on: the store and its migrations, settings, message catalogs, reference
data."""

"""The domain: use cases and rules in plain Python (no Textual, no Rich)."""

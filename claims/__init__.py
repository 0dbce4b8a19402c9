"""Builder claims: a builder proves they hold a key, staff approve, the owner gets a token."""

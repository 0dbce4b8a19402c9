"""The SQLite database backend (ENGINE "core.sqlite"): Django's, with lock waits that wake
within a millisecond of the lock's release (base.py says why)."""

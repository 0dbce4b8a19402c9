"""The shared kernel: errors, the one timestamp format, after-commit task helpers.

Nothing here knows what a passport is; every other package may import it.
"""

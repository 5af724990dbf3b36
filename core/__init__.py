"""Project-neutral foundations every layer may import: the exception tree (``core.errors``).

This package imports nothing of the project, so it sits below bot, narrative, adapters and storage."""

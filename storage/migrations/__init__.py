"""Alembic migrations of COCO's schema, applied by ``storage.db.open_repository``.

``env.py`` and ``versions/`` are loaded by Alembic from this folder (``SCRIPT_LOCATION``); the
folder ships inside the package (see ``[tool.setuptools.package-data]``). Importing this module
does not import Alembic.
"""

from __future__ import annotations

from pathlib import Path

SCRIPT_LOCATION = Path(__file__).resolve().parent

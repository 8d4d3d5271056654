"""Where the reference data shared beside the checkout lives (``YIMA_SHARED_DIR`` overrides)."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["EPCIS_VECTORS", "OR_LIBRARY", "SHARED_DIR"]

SHARED_DIR = Path(
    os.environ.get("YIMA_SHARED_DIR") or Path(__file__).resolve().parents[1].parent / "shared"
)
EPCIS_VECTORS = SHARED_DIR / "data" / "epcis-hash-vectors"
OR_LIBRARY = SHARED_DIR / "data" / "or-library"

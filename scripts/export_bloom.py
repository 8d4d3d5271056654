"""Write the Bloom perspective ``bloom/yima.json`` and the Neo4j Browser guide
``bloom/guide.html`` from ``graph_model.bloom``, the one place their search phrases live.

Usage: ``.venv/bin/python scripts/export_bloom.py`` (``--check`` exits 1 when a file is out
of date instead of writing it).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "bloom"


def files() -> dict[Path, str]:
    """Each file's path and the text it must hold."""
    sys.path.insert(0, str(ROOT))
    from graph_model.bloom import browser_guide, perspective

    return {
        FOLDER / "yima.json": json.dumps(perspective(), ensure_ascii=False, indent=2) + "\n",
        FOLDER / "guide.html": browser_guide(),
    }


def main(argv: list[str]) -> int:
    stale = 0
    for path, text in files().items():
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current == text:
            continue
        if "--check" in argv:
            print(f"{path.name} is out of date: run scripts/export_bloom.py", file=sys.stderr)
            stale = 1
            continue
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return stale


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

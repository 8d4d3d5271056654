"""Write the GraphQL schema, as defined in code, to ``schema.graphql`` at the repository root.

Usage: ``.venv/bin/python scripts/export_schema.py`` (``--check`` exits 1 when the file is out
of date instead of writing it).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "schema.graphql"


def schema_text() -> str:
    """The SDL of ``api.graphql.schema:schema``, as ``strawberry export-schema`` prints it."""
    sys.path.insert(0, str(ROOT))
    from api.graphql.schema import schema

    return schema.as_str() + "\n"


def main(argv: list[str]) -> int:
    text = schema_text()
    if "--check" in argv:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET.name} is out of date: run scripts/export_schema.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""``schema.graphql`` is exported from the schema in code; this test fails when they differ."""

from __future__ import annotations

from pathlib import Path

from api.graphql.schema import schema

ROOT = Path(__file__).resolve().parent.parent


def test_schema_graphql_matches_the_code() -> None:
    exported = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert exported == schema.as_str() + "\n", (
        "schema.graphql is out of date: run .venv/bin/python scripts/export_schema.py"
    )


def test_top_level_fields_return_typed_results() -> None:
    sdl = schema.as_str()
    for line in (
        "code(",
        "): CodeResult!",
        "lot(",
        "): LotResult!",
        "): RecallResult!",
        "verify(",
        "): VerifyResult!",
        "recordScan(input: RecordScanInput!): RecordScanResult!",
        "union CodeResult = CodeTrace | UnknownCode | Problem",
    ):
        assert line in sdl


def test_every_list_of_items_is_a_relay_connection() -> None:
    sdl = schema.as_str()
    for connection in ("ScanConnection", "EpcisEventConnection", "LotHolderConnection",
                       "LotUnitConnection", "CustodyStepConnection"):  # fmt: skip
        block = sdl.split(f"type {connection} {{", 1)[1].split("}", 1)[0]
        assert "totalCount: Int!" in block and "pageInfo: PageInfo!" in block
    assert "type PageInfo {" in sdl

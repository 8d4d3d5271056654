"""Backup and restore of yima's local server with its own ``neo4j-admin`` (the same Maven
jars, ``org.neo4j.cli.AdminTool``): ``database dump`` and ``database load``.

Neo4j Community dumps and loads a database only while it is offline, so both stop the
server if it runs and start it again afterwards.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from runtime.neo4j_server import JVM_OPENS, LocalNeo4j, Neo4jRuntimeError, find_java17

__all__ = ["dump", "load"]


def _admin(server: LocalNeo4j, *args: str) -> str:
    server.assemble()
    server.write_config()
    cmd = [
        str(find_java17(server.settings.java_home)), "-Xmx512m", *JVM_OPENS,
        "-cp", f"{server.conf_dir}/*:{server.lib}/*", "org.neo4j.cli.AdminTool", *args,
    ]  # fmt: skip
    env = dict(os.environ, NEO4J_HOME=str(server.home), NEO4J_CONF=str(server.conf_dir))
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise Neo4jRuntimeError(
            f"neo4j-admin {' '.join(args[:2])} failed: " + (result.stderr or result.stdout)[-2000:]
        )
    return result.stdout


def _offline(server: LocalNeo4j) -> bool:
    """Stop the server if it runs; True when it did (and so must start again)."""
    running = server.pid() is not None
    if running:
        server.stop()
    return running


def dump(server: LocalNeo4j, database: str, folder: Path) -> Path:
    """Write ``<folder>/<database>.dump``; the file is replaced if it exists."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{database}.dump"
    target.unlink(missing_ok=True)
    restart = _offline(server)
    try:
        _admin(server, "database", "dump", database, f"--to-path={folder}")
    finally:
        if restart:
            server.start()
    return target


def load(server: LocalNeo4j, database: str, file: Path) -> None:
    """Replace ``database`` with the dump ``file`` (made by :func:`dump`)."""
    if not file.is_file():
        raise Neo4jRuntimeError(f"{file}: no such dump file")
    # neo4j-admin reads <from-path>/<database>.dump: give it a folder holding that name.
    source = file.parent
    if file.name != f"{database}.dump":
        source = file.parent / f".load-{os.getpid()}"
        source.mkdir(exist_ok=True)
        link = source / f"{database}.dump"
        link.unlink(missing_ok=True)
        link.symlink_to(file.resolve())
    restart = _offline(server)
    try:
        _admin(
            server, "database", "load", database, f"--from-path={source}",
            "--overwrite-destination=true",
        )  # fmt: skip
    finally:
        if source != file.parent:
            for child in source.iterdir():
                child.unlink()
            source.rmdir()
        if restart:
            server.start()

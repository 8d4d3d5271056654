"""Assemble, start, stop and inspect a local Neo4j Community server.

The server is put together from Maven Central (``runtime/pom.xml``): ``mvn
dependency:copy-dependencies`` copies ``org.neo4j:neo4j`` and everything it needs into
``<home>/lib``, and the server runs as
``java -cp <home>/lib/* org.neo4j.server.CommunityEntryPoint``,
the class Neo4j's own launcher starts. Nothing here is needed when yima points at another
Neo4j (docker compose, a cluster, Aura) through ``YIMA_NEO4J_URI``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from runtime.ports import PortTaken, ensure_free

__all__ = ["LocalNeo4j", "Neo4jRuntimeError", "ServerSettings"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
POM = Path(__file__).resolve().parent / "pom.xml"

# Options the shipped neo4j.conf passes to the JVM; Netty and the page cache need them on 17+.
JVM_OPENS = (
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-Djdk.tls.ephemeralDHKeySize=2048",
    "-XX:+ExitOnOutOfMemoryError",
)


class Neo4jRuntimeError(RuntimeError):
    """The local server could not be assembled, started or reached; the message says why."""


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """Where the local server lives and how big it is; every field has a ``YIMA_NEO4J_*``
    environment variable."""

    home: Path
    bolt_port: int = 7687
    http_port: int = 7474
    heap: str = "1g"
    pagecache: str = "1g"
    java_home: Path | None = None
    extra_conf: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, home: Path | None = None) -> ServerSettings:
        java_home = os.environ.get("YIMA_JAVA_HOME")
        return cls(
            home=home or Path(_env("YIMA_NEO4J_HOME", str(PROJECT_ROOT / "var" / "neo4j"))),
            bolt_port=int(_env("YIMA_NEO4J_BOLT_PORT", "7687")),
            http_port=int(_env("YIMA_NEO4J_HTTP_PORT", "7474")),
            heap=_env("YIMA_NEO4J_HEAP", "1g"),
            pagecache=_env("YIMA_NEO4J_PAGECACHE", "1g"),
            java_home=Path(java_home) if java_home else None,
        )

    def with_ports(self, bolt_port: int, http_port: int) -> ServerSettings:
        return replace(self, bolt_port=bolt_port, http_port=http_port)

    @property
    def bolt_uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"


def find_java17(preferred: Path | None = None) -> Path:
    """The ``java`` binary of a JDK 17 or 21 (Neo4j 5.26 runs on neither older nor newer)."""
    candidates: list[Path] = []
    if preferred:
        candidates.append(preferred / "bin" / "java")
    jvm_root = Path("/usr/lib/jvm")
    if jvm_root.is_dir():
        for version in ("17", "21"):
            candidates += sorted(p / "bin" / "java" for p in jvm_root.glob(f"*{version}*"))
    if os.environ.get("JAVA_HOME"):
        candidates.append(Path(os.environ["JAVA_HOME"]) / "bin" / "java")
    which = shutil.which("java")
    if which:
        candidates.append(Path(which))
    for java in candidates:
        if java.is_file() and _java_major(java) in (17, 21):
            return java
    raise Neo4jRuntimeError(
        "Neo4j 5.26 needs Java 17 or 21 and none was found. Install one "
        "(e.g. `apt-get install openjdk-17-jre-headless`) or set YIMA_JAVA_HOME to its folder."
    )


def _java_major(java: Path) -> int | None:
    try:
        out = subprocess.run(
            [str(java), "-version"], capture_output=True, text=True, timeout=30, check=False
        ).stderr
    except OSError:
        return None
    for token in out.split():
        token = token.strip('"')
        if token[:1].isdigit():
            major = token.split(".")[0]
            return int(major) if major.isdigit() else None
    return None


class LocalNeo4j:
    """One Neo4j Community server under ``settings.home``: ``lib/``, ``conf/``, ``data/``,
    ``logs/`` and a ``neo4j.pid`` file."""

    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self.home = settings.home
        self.lib = self.home / "lib"
        self.conf_dir = self.home / "conf"
        self.pid_file = self.home / "neo4j.pid"
        self.console_log = self.home / "logs" / "console.log"

    # -- assembling -----------------------------------------------------------------------
    def assemble(self) -> None:
        """Copy the server's jars from Maven Central (or Maven's local cache) once."""
        stamp = self.lib / ".complete"
        if stamp.exists() and stamp.read_text() == POM.read_text():
            return
        mvn = shutil.which("mvn")
        if mvn is None:
            raise Neo4jRuntimeError(
                "Maven (`mvn`) is needed once to fetch the Neo4j server jars from Maven Central "
                "and was not found. Install it (e.g. `apt-get install maven`) or point yima at "
                "another Neo4j with YIMA_NEO4J_URI."
            )
        if self.lib.exists():
            shutil.rmtree(self.lib)
        self.lib.mkdir(parents=True)
        java = find_java17(self.settings.java_home)
        env = dict(os.environ, JAVA_HOME=str(java.parent.parent))
        cmd = [
            mvn, "-B", "-q", "-f", str(POM), "dependency:copy-dependencies",
            f"-DoutputDirectory={self.lib}", "-DincludeScope=runtime",
        ]  # fmt: skip
        result = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        if result.returncode != 0:
            tail = (result.stdout + result.stderr).strip().splitlines()[-15:]
            raise Neo4jRuntimeError("Maven could not fetch the Neo4j jars:\n" + "\n".join(tail))
        stamp.write_text(POM.read_text())

    def write_config(self) -> None:
        s = self.settings
        for sub in ("conf", "data", "logs", "import", "plugins"):
            (self.home / sub).mkdir(parents=True, exist_ok=True)
        conf = {
            "server.default_listen_address": "127.0.0.1",
            "server.bolt.listen_address": f"127.0.0.1:{s.bolt_port}",
            "server.http.listen_address": f"127.0.0.1:{s.http_port}",
            "server.https.enabled": "false",
            # Loopback only; point yima at a secured server with YIMA_NEO4J_URI/USER/PASSWORD.
            "dbms.security.auth_enabled": "false",
            "dbms.usage_report.enabled": "false",
            "server.directories.data": str(self.home / "data"),
            "server.directories.logs": str(self.home / "logs"),
            "server.directories.import": str(self.home / "import"),
            "server.directories.plugins": str(self.home / "plugins"),
            "server.memory.heap.initial_size": s.heap,
            "server.memory.heap.max_size": s.heap,
            "server.memory.pagecache.size": s.pagecache,
            "db.tx_log.rotation.retention_policy": "2 files",
            "db.transaction.timeout": "0",
            **s.extra_conf,
        }
        text = "".join(f"{k}={v}\n" for k, v in conf.items())
        (self.conf_dir / "neo4j.conf").write_text(text)

    # -- lifecycle ------------------------------------------------------------------------
    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return pid
        return pid

    def bolt_answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.settings.bolt_port), timeout=1):
                return True
        except OSError:
            return False

    def start(self, timeout: float = 180.0) -> bool:
        """Start the server unless it runs already; wait until Bolt answers.

        Returns True when this call started it.
        """
        if self.pid() is not None and self.bolt_answers():
            return False
        for port, variable in ((self.settings.bolt_port, "YIMA_NEO4J_BOLT_PORT"),
                               (self.settings.http_port, "YIMA_NEO4J_HTTP_PORT")):  # fmt: skip
            try:
                ensure_free("127.0.0.1", port, hint=f"choose another with {variable}")
            except PortTaken as exc:
                raise Neo4jRuntimeError(str(exc)) from exc
        java = find_java17(self.settings.java_home)
        self.assemble()
        self.write_config()
        heap = self.settings.heap
        cmd = [
            str(java), f"-Xms{heap}", f"-Xmx{heap}", *JVM_OPENS,
            "-cp", f"{self.conf_dir}/*:{self.lib}/*",
            "org.neo4j.server.CommunityEntryPoint",
            f"--home-dir={self.home}", f"--config-dir={self.conf_dir}",
        ]  # fmt: skip
        self.console_log.parent.mkdir(parents=True, exist_ok=True)
        # posix_spawn rather than Popen: the server outlives this process (`yima neo4j start`
        # returns), so there is no Popen object to keep or to complain when collected.
        log_flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
        pid = os.posix_spawn(
            cmd[0],
            cmd,
            dict(os.environ),
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_OPEN, 1, str(self.console_log), log_flags, 0o644),
                (os.POSIX_SPAWN_DUP2, 1, 2),
            ],
            setsid=True,
        )
        self.pid_file.write_text(str(pid))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            exited, status = os.waitpid(pid, os.WNOHANG)
            if exited:
                self.pid_file.unlink(missing_ok=True)
                raise Neo4jRuntimeError(
                    f"Neo4j exited with status {os.waitstatus_to_exitcode(status)} while "
                    f"starting; see {self.console_log} and {self.home / 'logs' / 'neo4j.log'}"
                )
            if self.bolt_answers():
                return True
            time.sleep(0.3)
        self.stop()
        raise Neo4jRuntimeError(
            f"Neo4j did not open Bolt within {timeout:.0f} s; see {self.console_log}"
        )

    def stop(self, timeout: float = 60.0) -> bool:
        """Stop the server if it runs; returns True when it was running."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            _reap(pid)
            time.sleep(0.2)
        else:
            os.kill(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        return True

    def status(self) -> str:
        pid = self.pid()
        if pid is None:
            return "stopped"
        state = "running" if self.bolt_answers() else "starting (Bolt not answering yet)"
        return f"{state}, pid {pid}, {self.settings.bolt_uri}, home {self.home}"


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)

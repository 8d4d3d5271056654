"""Whether a TCP port is free to listen on, and which process holds it when it is not, so a
server that cannot start says what is in its way instead of a bind error."""

from __future__ import annotations

import socket

import psutil

__all__ = ["PortTaken", "ensure_free", "holder"]


class PortTaken(RuntimeError):
    """The port a server would listen on is taken; the message names the holder if seen."""


def holder(port: int) -> str | None:
    """``pid N (command line)`` of the process listening on TCP ``port``; None when no
    listener is seen or the kernel does not say whose it is (another user's, unprivileged)."""
    try:
        connections = psutil.net_connections(kind="tcp")
    except psutil.AccessDenied:
        return None
    for connection in connections:
        if (
            connection.status == psutil.CONN_LISTEN
            and connection.laddr
            and connection.laddr.port == port
            and connection.pid
        ):
            try:
                process = psutil.Process(connection.pid)
                command = " ".join(process.cmdline()) or process.name()
            except psutil.Error:
                command = "command line not readable"
            if len(command) > 120:
                command = command[:117] + "..."
            return f"pid {connection.pid} ({command})"
    return None


def _can_bind(host: str, port: int) -> bool:
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise PortTaken(f"cannot listen on {host}: {exc.strerror}") from exc
    with socket.socket(family, kind, proto) as probe:
        # As uvicorn does: a port whose last connections linger in TIME_WAIT is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError:
            return False
    return True


def ensure_free(host: str, port: int, *, hint: str) -> None:
    """Raise :class:`PortTaken` naming the holder when ``host:port`` cannot be listened on;
    ``hint`` says how to choose another port."""
    if _can_bind(host, port):
        return
    who = holder(port)
    raise PortTaken(
        f"port {port} on {host} is taken by {who or 'another process'}; stop it, or {hint}"
    )

"""CPU seconds spent by a process, read where the kernel keeps them.

The benchmarks report what the database and yima's own process each spend per unit, since on a
shared machine CPU seconds vary far less than wall-clock time and they add up to a budget: at
R units per second on C cores every unit may cost at most C / R seconds of CPU in all.
"""

from __future__ import annotations

import resource
from dataclasses import dataclass

import psutil

__all__ = ["CpuClock", "process_cpu_seconds"]


def process_cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds of process ``pid`` (all its threads) since it started."""
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass(slots=True)
class CpuClock:
    """CPU seconds of this process and of a server process between :meth:`start` and now."""

    server_pid: int
    own: float = 0.0
    server: float = 0.0

    def start(self) -> CpuClock:
        self.own = _own_cpu_seconds()
        self.server = process_cpu_seconds(self.server_pid)
        return self

    def read(self) -> tuple[float, float]:
        """``(own, server)`` CPU seconds since :meth:`start`."""
        return (
            _own_cpu_seconds() - self.own,
            process_cpu_seconds(self.server_pid) - self.server,
        )

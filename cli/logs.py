"""How ``yima serve`` logs: one JSON object a line, naming the request being answered
(``api.json_logs.JsonFormatter``, loaded by name so the command line stays apart from the API)."""

from __future__ import annotations

from typing import Any

__all__ = ["JSON_LOG_CONFIG"]

JSON_LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "api.json_logs.JsonFormatter"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    },
    "root": {"handlers": ["stderr"], "level": "INFO"},
    "loggers": {
        name: {"handlers": [], "propagate": True}
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
    },
}

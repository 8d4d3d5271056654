"""A partner's webhook on loopback and the events streamed to it, for the subscription tests."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SECRET = "a-partner-secret-of-some-length"


class Receiver:
    """A partner's webhook: keeps every request it accepts; answers 500 while ``failing``."""

    def __init__(self) -> None:
        self.received: list[tuple[bytes, str]] = []
        self.refused = 0
        self.failing = False
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if outer.failing:
                    outer.refused += 1
                    self.send_response(500)
                else:
                    outer.received.append((body, self.headers.get("GS1-Signature", "")))
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/epcis"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def event_ids(self) -> list[str]:
        return [
            e["eventID"]
            for body, _ in self.received
            for e in json.loads(body)["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        ]


def events(ns: str, location: str, first: int, count: int) -> list[dict[str, Any]]:
    return [
        {
            "type": "ObjectEvent", "action": "OBSERVE", "bizStep": "shipping",
            "eventTime": f"2026-03-01T{n % 24:02d}:00:00+08:00", "eventTimeZoneOffset": "+08:00",
            "eventID": f"urn:uuid:00000000-0000-4000-8002-{ns[-10:]}{n:02d}",
            "epcList": [f"urn:epc:id:sgtin:6901234.012345.{ns}s{n}"],
            "bizLocation": {"id": location},
        }
        for n in range(first, first + count)
    ]  # fmt: skip


def wait_until(check: Callable[[], bool], what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds} s: {what}")


def signed(receiver: Receiver) -> bool:
    return all(
        signature == "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        for body, signature in receiver.received
    )

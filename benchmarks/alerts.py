"""Does sending alerts slow the crawl? The demo week crawled three times, timing the passes.

1. no subscription; 2. every claim subscribed by a local webhook that answers at once;
3. every claim subscribed by a local webhook that never answers (sends give up after
`[alerts] timeout`). The crawl passes should take about as long in all three: sending runs on
its own thread after each pass's commits. Needs no data folder (the demo web is built in).

    python benchmarks/alerts.py [--timeout 5]

Last line: one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from _report import emit

from tracker.api import Tracker
from tracker.config import load_settings
from tracker.demo.run import crawl_demo_week


class _Hook(BaseHTTPRequestHandler):
    silent = False
    received = 0
    hold = threading.Event()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.silent:
            self.hold.wait(120)
            return
        type(self).received += 1
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _week(mode: str, timeout: float) -> dict[str, Any]:
    handler = type("Hook", (_Hook,), {"silent": mode == "silent", "received": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    base = load_settings(environ={})
    settings = replace(base, alerts=replace(base.alerts, timeout=timeout, send_deadline=0.0))
    seconds: list[float] = []

    def one_pass(tracker: Tracker) -> Mapping[str, int]:
        if mode != "none" and not seconds:
            tracker.alerts().add(None, url)
        started = time.perf_counter()
        report = tracker.crawl()
        seconds.append(time.perf_counter() - started)
        return report.counts

    folder = Path(tempfile.mkdtemp(prefix="bench-alerts-"))
    started = time.perf_counter()
    crawl_demo_week(folder / "demo.db", settings=settings, crawl_pass=one_pass)
    week = time.perf_counter() - started
    handler.hold.set()
    server.shutdown()
    server.server_close()
    return {
        "mode": mode,
        "passes": len(seconds),
        "crawl_seconds": round(sum(seconds), 2),
        "slowest_pass_seconds": round(max(seconds), 3),
        "week_seconds": round(week, 2),
        "webhooks_answered": handler.received,
    }


def main() -> None:
    """Crawl the week in the three modes and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds one send may take")
    parser.add_argument(
        "--modes", default="none,answering,silent", help="which weeks, in this order"
    )
    args = parser.parse_args()
    rows = [_week(mode.strip(), args.timeout) for mode in args.modes.split(",")]
    for row in rows:
        print(
            f"{row['mode']:>10}: {row['passes']} passes, crawl {row['crawl_seconds']} s "
            f"(slowest pass {row['slowest_pass_seconds']} s), "
            f"{row['webhooks_answered']} webhooks answered"
        )
    emit("alerts", {"send_timeout": args.timeout, "weeks": rows})


if __name__ == "__main__":
    main()

"""Scrape → parse → store of a 5,000-line vLLM page over loopback HTTP.

Target (issue 2): ≤ 15 ms for the whole path. The page is a real-shaped vLLM V1 page (process
noise, every family the demo serves) for many models and engines until it reaches 5,000 lines;
the figures split the cost into HTTP, parsing and the DuckDB batch write, and show what filtering
lines before ``prometheus_client`` saves against parsing the whole page.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from aiops_tui.config import load_config
from aiops_tui.demo import pages
from aiops_tui.demo.sim import ScenarioSim
from aiops_tui.sources.collector import Collection
from aiops_tui.sources.exposition import parse_page
from aiops_tui.sources.scrape import EndpointResult, fetch_body
from aiops_tui.store.db import open_writer
from bench.harness import ROOT, machine

LINES = 5000
RUNS = 50


def big_page() -> str:
    config, _ = load_config(ROOT / "config" / "demo.yaml")
    sim = ScenarioSim(config.scenarios[0], 0, 7, 0.0)
    sim.advance(600)
    blocks, n = [], 0
    while sum(b.count("\n") for b in blocks) < LINES:
        page = pages.vllm_page(sim, f"org/model-{n:03d}")
        blocks.append(page.replace('engine="0"', f'engine="{n % 8}"'))
        n += 1
    lines = "".join(blocks).splitlines()[:LINES]
    return "\n".join(lines) + "\n"


def serve(body: bytes) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:6.2f} ms   " \
           f"p95 {sorted(values)[int(len(values) * 0.95) - 1] * 1000:6.2f} ms"


async def measure(url: str, store_path: Path) -> dict[str, list[float]]:
    store = open_writer(store_path)
    out: dict[str, list[float]] = {"http": [], "parse": [], "store": [], "total": []}
    async with httpx.AsyncClient() as client:
        for run in range(RUNS + 3):
            t0 = time.perf_counter()
            _, body = await fetch_body(client, url + "/metrics", 5.0, 64 << 20)
            t1 = time.perf_counter()
            samples = parse_page(body.decode(), "vllm")
            t2 = time.perf_counter()
            result = EndpointResult("s", "e", "vllm", at=1e9 + run, samples=samples)
            store.write_collection(Collection(at=result.at, endpoints=[result]))
            t3 = time.perf_counter()
            if run >= 3:  # warm-up: connection set-up and the first series inserts
                for key, value in (("http", t1 - t0), ("parse", t2 - t1), ("store", t3 - t2),
                                   ("total", t3 - t0)):
                    out[key].append(value)
    store.close()
    return out


def main() -> None:
    page = big_page()
    server = serve(page.encode())
    url = f"http://127.0.0.1:{server.server_address[1]}"
    with tempfile.TemporaryDirectory() as tmp:
        figures = asyncio.run(measure(url, Path(tmp) / "s.duckdb"))
    server.shutdown()
    full = []
    for _ in range(10):
        t0 = time.perf_counter()
        list(text_string_to_metric_families(page))
        full.append(time.perf_counter() - t0)
    samples = len(parse_page(page, "vllm"))
    print(f"scrape → parse → store ({machine()})")
    print(f"  page: {page.count(chr(10)):,} lines, {len(page):,} bytes; {samples:,} samples kept")
    for key in ("http", "parse", "store", "total"):
        print(f"  {key:<6} {ms(figures[key])}")
    print(f"  for comparison, prometheus_client on the whole page: {ms(full)}")
    verdict = "PASS" if statistics.median(figures["total"]) <= 0.015 else "OVER"
    print(f"  target total ≤ 15 ms: {verdict}")


if __name__ == "__main__":
    main()

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
from collections.abc import Callable
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


def _repeat(render: Callable[[int], str]) -> str:
    """Copies of a page for distinct models until it is ``LINES`` long, cut at a line."""
    blocks, n, lines = [], 0, 0
    while lines < LINES:
        block = render(n)
        blocks.append(block if block.endswith("\n") else block + "\n")
        lines += block.count("\n") + 1
        n += 1
    return "\n".join("".join(blocks).split("\n")[:LINES]) + "\n"


def dense_page() -> str:
    """The demo's vLLM page: nearly every line is a family the console keeps."""
    config, _ = load_config(ROOT / "config" / "demo.yaml")
    sim = ScenarioSim(config.scenarios[0], 0, 7, 0.0)
    sim.advance(600)
    return _repeat(lambda n: pages.vllm_page(sim, f"org/model-{n:03d}"))


def capture_page() -> str | None:
    """The shared real vLLM capture, repeated per model: mostly families the console skips."""
    path = ROOT.parent / "shared" / "fixtures" / "vllm_metrics_sample.txt"
    if not path.exists():
        return None
    text = path.read_text()
    return _repeat(lambda n: text.replace("facebook/opt-125m", f"org/model-{n:03d}"))


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


def report(name: str, page: str) -> None:
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
    print(f"  {name}: {page.count(chr(10)):,} lines, {len(page):,} bytes; "
          f"{samples:,} samples kept")
    for key in ("http", "parse", "store", "total"):
        print(f"    {key:<6} {ms(figures[key])}")
    print(f"    for comparison, prometheus_client alone on the page: {ms(full)}")
    verdict = "PASS" if statistics.median(figures["total"]) <= 0.015 else "OVER"
    print(f"    target total ≤ 15 ms: {verdict}")


def main() -> None:
    print(f"scrape → parse → store ({machine()}), {RUNS} runs each")
    capture = capture_page()
    if capture:
        report("real vLLM capture x models", capture)
    report("dense demo vLLM page", dense_page())


if __name__ == "__main__":
    main()

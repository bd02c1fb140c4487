"""Run every benchmark in turn and print their figures (about 25 minutes).

    python3 -m bench.run_all            # from the repository root
"""

from __future__ import annotations

import subprocess
import sys

BENCHES = [["bench.cold_start"], ["bench.scrape_store"], ["bench.fleet_refresh"],
           ["bench.scenario_view", "--prometheus"], ["bench.alert_eval"],
           ["bench.drill_latency"], ["bench.terminal_bytes"], ["bench.audit_verify"],
           ["bench.action_latency"], ["bench.fleet_scale"]]


def main() -> int:
    failed = 0
    for module, *args in BENCHES:
        print(f"\n=== {module}", flush=True)
        failed += subprocess.run([sys.executable, "-m", module, *args],
                                 check=False).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

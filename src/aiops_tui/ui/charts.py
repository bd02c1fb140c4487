"""The scenario view's charts: plotext line charts of a ``Chart``'s steps.

X is time before now (minutes or hours), so a chart reads the same at any window and needs no
date axis. A step with nothing to say leaves a gap rather than a zero that looks healthy.
"""

from __future__ import annotations

from textual_plotext import PlotextPlot

from aiops_tui.signals.detail import Chart

# Chart id → title, and per line: field, label, scale (to the unit in the title), y side.
PERCENT_AXIS = {"gpu", "quality"}  # left axis 0-100%, so a flat 95% does not look like noise
Line = tuple[str, str, float, str]
PANELS: dict[str, tuple[str, tuple[Line, ...]]] = {
    "latency": ("latency (s)", (("p50_s", "p50", 1.0, "left"), ("p95_s", "p95", 1.0, "left"),
                                ("p99_s", "p99", 1.0, "left"),
                                ("ttft_p95_s", "TTFT p95", 1.0, "left"))),
    "tokens": ("tokens/min (k, left) · cost/hour (right)",
               (("tokens_in_per_min", "in", 1e-3, "left"),
                ("tokens_out_per_min", "out", 1e-3, "left"),
                ("cost_per_hour", "cost/h", 1.0, "right"))),
    "gpu": ("GPU and KV cache (%)", (("gpu_util", "GPU util", 100.0, "left"),
                                     ("gpu_memory", "GPU mem", 100.0, "left"),
                                     ("kv_use", "KV use", 100.0, "left"))),
    "quality": ("eval pass % (left) · index age h (right)",
                (("eval_pass_rate", "eval pass", 100.0, "left"),
                 ("index_age_s", "index age", 1 / 3600, "right"))),
}


def draw(plot: PlotextPlot, panel: str, chart: Chart, now: float) -> None:
    title, lines = PANELS[panel]
    hours = chart.step_s * len(chart.at) > 3 * 3600
    unit = 3600.0 if hours else 60.0
    plt = plot.plt
    plt.clear_data()
    plt.clear_figure()
    plt.title(title)
    plt.xlabel(f"{'hours' if hours else 'minutes'} ago")
    top = {"left": 0.0, "right": 0.0}
    for field, label, scale, side in lines:
        # Each step at its end (the newest, still filling, at now): 0 is now, left is older.
        points = [((min(at + chart.step_s, now) - now) / unit, v * scale)
                  for at, v in zip(chart.at, chart.values.get(field, []), strict=False)
                  if v is not None]
        if points:
            xs, ys = zip(*points, strict=True)
            plt.plot(list(xs), list(ys), label=label, marker="hd", yside=side)
            top[side] = max(top[side], *ys)
    # Time runs from the oldest step to now, whatever is drawn (one point must not flip it).
    plt.xlim(-chart.step_s * max(1, len(chart.at)) / unit, 0)
    # Axes from zero, so a flat line reads as flat rather than as noise blown up to full height.
    for side, highest in top.items():
        if highest > 0:
            plt.ylim(0, 100 if side == "left" and panel in PERCENT_AXIS else highest * 1.1,
                     yside=side)
    plot.refresh()

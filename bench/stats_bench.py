"""Control-chart benchmark: I-MR and X̄-R (n = 5) with all eight Nelson tests, ours against a PyPI peer.

    python bench/stats_bench.py                 # 10,000,000 points for ours, 100,000 against the peer
    python bench/stats_bench.py --points 2000000 --repeat 1

Ours: `qualitas.stats.charts.imr` and `xbar_r` with rules="nelson" (tests 1–8 on the I / X̄ chart,
tests 1–4 on the MR / R chart, as Minitab does), best of --repeat runs, plus the peak of traced
allocations (tracemalloc, in one extra untimed run). Targets: 10 M points in under 2 s, and at
least 100× faster than the peer on 100,000 points.

The peer is `shewhart` 0.1.1, the fastest pure-Python package on PyPI found to compute the same thing:
I-MR and X̄-R charts with Nelson tests 1–8 on the centre chart (and only the limit test on the
MR / R chart, so it does somewhat less work than ours). Others tried: spc-lib 1.1.2 (tests 1–8 with
one numpy call per window: 0.53 s for 10,000 points, 3–8× slower than shewhart), pyspc 0.4 and pyshewhart 1.1.0
(a subset of the Western Electric rules, computed while drawing matplotlib figures), spc 0.3
(2009; does not build on Python 3.11) and controlcharts 1.0.0 (depends on a non-existent "math"
distribution). The peer is installed into a throw-away virtual environment under /tmp (never into
the project's), and runs there in a subprocess on the same data; offline, the bench says so and
times ours alone.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from qualitas.stats import charts  # noqa: E402

PEER = "shewhart==0.1.1"
PEER_VENV = Path(tempfile.gettempdir()) / "bench-venv"
SUBGROUP = 5
TARGET_SECONDS = 2.0
TARGET_RATIO = 100.0

PEER_SCRIPT = r"""
import json, sys, time, warnings
import numpy as np, pandas as pd
import shewhart as sw
warnings.filterwarnings("ignore")
values, repeat = np.load(sys.argv[1]), int(sys.argv[2])
frame = pd.DataFrame({"x": values, "g": np.repeat(np.arange(values.size // 5), 5)})

def best(call):
    times = []
    for _ in range(repeat):
        start = time.perf_counter(); result = call(); times.append(time.perf_counter() - start)
    return min(times), result

imr_seconds, imr = best(lambda: sw.imr(values, rules="nelson"))
xbar_seconds, _ = best(lambda: sw.xbar_r(frame, value="x", subgroup="g", rules="nelson"))
beyond = sorted(p + 1 for s in imr.signals if s.rule == "nelson_1" for p in s.points)
print(json.dumps({"imr": imr_seconds, "xbar_r": xbar_seconds, "beyond": beyond, "version": sw.__version__}))
"""


def timed(repeat: int, call) -> tuple[float, float, object]:
    """(best, first, result) over `repeat` runs; the first run in a process also pays for fresh memory pages."""
    times, result = [], None
    for _ in range(repeat):
        result = None
        start = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - start)
    return min(times), times[0], result


def peak_megabytes(call) -> float:
    tracemalloc.start()
    call()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def workloads(values: np.ndarray) -> dict:
    subgroups = values[: values.size // SUBGROUP * SUBGROUP].reshape(-1, SUBGROUP)
    return {
        "I-MR": lambda: charts.imr(values, rules="nelson"),
        f"Xbar-R (n = {SUBGROUP})": lambda: charts.xbar_r(subgroups, rules="nelson"),
    }


def peer_python() -> tuple[Path | None, str]:
    """The throw-away venv's interpreter with the peer installed, or None and the reason."""
    python = PEER_VENV / "bin" / "python"
    check = [str(python), "-c", "import shewhart"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return python, "installed"
    try:
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True, capture_output=True)
        install = [str(python), "-m", "pip", "install", "--quiet", PEER]
        done = subprocess.run(install, capture_output=True, text=True, timeout=600)
    except (subprocess.SubprocessError, OSError) as error:
        return None, f"could not set up {PEER_VENV}: {error}"
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["pip failed"])[-1]
        return None, f"pip install {PEER} failed (offline?): {reason}"
    return python, "installed now"


def run_peer(python: Path, values: np.ndarray, repeat: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "values.npy"
        np.save(data, values)
        done = subprocess.run(
            [str(python), "-c", PEER_SCRIPT, str(data), str(repeat)], capture_output=True, text=True, timeout=3600
        )
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1])
    return json.loads(done.stdout)


def verdict(met: bool | None) -> str:
    return "—" if met is None else ("MET" if met else "MISSED")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000_000, help="points for the absolute timing")
    parser.add_argument("--peer-points", type=int, default=100_000, help="points for the comparison")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (the best is kept)")
    options = parser.parse_args()
    rng = np.random.default_rng(20240611)
    rows = []

    large = rng.normal(10.0, 1.0, options.points)
    for name, call in workloads(large).items():
        seconds, first, chartset = timed(options.repeat, call)
        signals = sum(len(chart.signals) for chart in chartset.charts)
        del chartset
        peak = peak_megabytes(call)
        rows.append((name, options.points, seconds, None, f"< {TARGET_SECONDS:g} s", seconds < TARGET_SECONDS))
        print(
            f"{name}: {options.points:,} points, best of {options.repeat} {seconds:.3f} s (first run {first:.3f} s), "
            f"{signals:,} signals, traced peak {peak:,.0f} MiB"
        )
    del large

    small = rng.normal(10.0, 1.0, options.peer_points)
    ours = {name: timed(options.repeat, call)[::2] for name, call in workloads(small).items()}
    python, status = peer_python()
    peer = None
    if python is None:
        print(f"Peer {PEER} unavailable: {status}. Timing ours alone.")
    else:
        try:
            peer = run_peer(python, small, options.repeat)
            mine = [s.point for s in ours["I-MR"][1].charts[0].signals if "nelson-1" in s.rules]
            agree = "the same" if mine == peer["beyond"] else f"different ({len(mine)} vs {len(peer['beyond'])})"
            print(f"Peer shewhart {peer['version']} ({status}); I-chart test 1 points: {agree}.")
        except (RuntimeError, subprocess.SubprocessError, ValueError) as error:
            print(f"Peer {PEER} failed to run: {error}. Timing ours alone.")
    for name, key in ((list(ours)[0], "imr"), (list(ours)[1], "xbar_r")):
        theirs = peer[key] if peer else None
        ratio = theirs / ours[name][0] if theirs else None
        rows.append(
            (
                name,
                options.peer_points,
                ours[name][0],
                theirs,
                f">= {TARGET_RATIO:g}x",
                None if ratio is None else ratio >= TARGET_RATIO,
            )
        )

    print()
    header = f"{'workload (Nelson 1-8)':<22} {'points':>12} {'ours (s)':>10} {'peer (s)':>10} {'ratio':>9}"
    print(f"{header}  {'target':<9} result")
    for name, points, mine, theirs, target, met in rows:
        peer_text = f"{theirs:10.3f}" if theirs else f"{'—':>10}"
        ratio_text = f"{theirs / mine:8.0f}x" if theirs else f"{'—':>9}"
        print(f"{name:<22} {points:>12,} {mine:10.3f} {peer_text} {ratio_text}  {target:<9} {verdict(met)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""CLI start-up: ``biotraza --help`` and ``biotraza keys list`` against a bare interpreter.

Target (issue 16): under 0.5 s for ``--help`` and simple commands. Each command runs as a
whole process ``--rounds`` times; the table gives min / median / max and the median's excess
over the ceiling measured in the same run, ``python -c "import typer"`` (an interpreter with
the CLI framework and nothing of ours). Run: ``python -m bench.bench_cli_startup``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import load_average

TARGET_S = 0.5
BIN = Path(sys.executable).with_name("biotraza")


def _timed(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, env=env, check=True, capture_output=True, timeout=120)  # noqa: S603
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "BIOTRAZA_DATA_DIR": data, "BIOTRAZA_KEY_PASSPHRASE": "bench-pass"}
        subprocess.run([str(BIN), "keys", "new", "k"], env=env, check=True, capture_output=True)  # noqa: S603
        cases = {
            'ceiling: python -c "import typer"': [sys.executable, "-c", "import typer"],
            "biotraza --help": [str(BIN), "--help"],
            "biotraza keys list": [str(BIN), "keys", "list"],
        }
        times = {name: [_timed(args, env) for _ in range(rounds)] for name, args in cases.items()}
    ceiling = statistics.median(next(iter(times.values())))
    print(f"CLI start-up, {rounds} rounds, load average {load_average()}, {os.cpu_count()} CPUs")
    print(f"{'command':34} {'min s':>7} {'median s':>9} {'max s':>7} {'over ceiling':>13} target")
    for name, values in times.items():
        median = statistics.median(values)
        met = "" if name.startswith("ceiling") else ("met" if median < TARGET_S else "MISSED")
        print(
            f"{name:34} {min(values):7.3f} {median:9.3f} {max(values):7.3f} "
            f"{median - ceiling:+12.3f}s {met}"
        )


if __name__ == "__main__":
    main()

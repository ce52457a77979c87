"""A GPU job for tests/devices/Snakefile: claims its GPUs with `monkeys.devices.claim` as the
sample and score scripts do, and records what it was given and when it held it.

Run by Snakemake as a `script:` (count = the rule's `resources.gpu`) or from a shell rule:
    python probe.py --count N --out FILE [--hold S] [--kill] [--barrier DIR:N]
"""

import argparse
import json
import os
import signal
import time
from pathlib import Path

from monkeys.devices import claim


def write(path: str, record: dict) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    tmp = f"{path}.tmp"
    Path(tmp).write_text(json.dumps(record))
    os.replace(tmp, path)


def probe(count: int, out: str, hold: float, kill: bool = False, barrier: str | None = None) -> None:
    asked = time.time()
    with claim(count, timeout=float(os.environ.get("PROBE_WAIT_S", 60))) as devices:
        start = time.time()  # from here to `end` this job holds `devices`
        record = {
            "job": out,
            "count": count,
            "devices": devices,
            "pid": os.getpid(),
            "cvd": os.environ.get("CUDA_VISIBLE_DEVICES"),
            "waited": start - asked,
            "start": start,
        }
        if kill:
            write(out, {**record, "end": None})
            os.kill(os.getpid(), signal.SIGKILL)  # dies holding its GPU
        if barrier:  # prove concurrency: wait until N jobs hold GPUs at the same time
            directory, n = barrier.rsplit(":", 1)
            Path(directory).mkdir(parents=True, exist_ok=True)
            (Path(directory) / str(os.getpid())).touch()
            while len(list(Path(directory).iterdir())) < int(n):
                if time.time() - start > 60:
                    raise SystemExit(f"barrier: only {len(list(Path(directory).iterdir()))} of {n} jobs hold GPUs")
                time.sleep(0.05)
        time.sleep(hold)
        record["end"] = time.time()
    record["cvd_after"] = os.environ.get("CUDA_VISIBLE_DEVICES")
    write(out, record)


if "snakemake" in globals():
    probe(
        int(snakemake.resources.gpu),
        snakemake.output[0],
        float(snakemake.params.hold),
        barrier=snakemake.params.get("barrier"),
    )
elif __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--hold", type=float, default=0.0)
    parser.add_argument("--kill", action="store_true")
    parser.add_argument("--barrier")
    args = parser.parse_args()
    probe(args.count, args.out, args.hold, args.kill, args.barrier)

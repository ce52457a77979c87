"""Give each local GPU job GPUs of its own: `with claim(count): ...` before the engine starts.

Why: Snakemake's local executor does not assign GPU ids to jobs (snakemake/snakemake#281).
`--resources gpu=N` only caps how many GPU jobs run at once; every job still sees every GPU, and
vLLM (like any CUDA program) starts on GPU 0, so on an 8-GPU node eight sample jobs share GPU 0 and
run out of its memory while seven GPUs idle. `claim` picks `count` free devices, holds them for the
job's lifetime and sets `CUDA_VISIBLE_DEVICES` to them, which CUDA reads when the engine first
initializes it: so claim before creating the engine (or touching `torch.cuda`).

- Which devices: `devices=` (a list or "0,1,2"), else `$MONKEYS_GPUS`, else the
  `CUDA_VISIBLE_DEVICES` this run was started with (the run was restricted to those), else
  `nvidia-smi -L`, else torch's device count (asked in a subprocess, so that this process does not
  initialize CUDA before `CUDA_VISIBLE_DEVICES` is set).
- Who has which: one lock file per device and host in a local directory (`lock_dir=`, else
  `$MONKEYS_GPU_LOCK_DIR`, else `<tmp>/monkeys-gpu-locks`), held with `fcntl.flock`. The kernel
  drops a flock when its process dies however it dies, so a SIGKILLed or OOM-killed job never
  keeps its GPU; no pid files to clean up, no stale locks. Jobs of other runs and other users of
  the machine take the same locks, so they never get the same GPU either.
- A job takes all of its devices or none (a tensor-parallel job never holds one GPU while waiting
  for a second, which could deadlock two such jobs), retrying with jitter; when none are free it
  says who holds them and after `timeout` s (`$MONKEYS_GPU_WAIT_S`, default 1800) stops with
  `DevicesUnavailable`. With `--resources gpu=N` matching the GPUs, Snakemake never starts more
  GPU jobs than there are GPUs, so a wait only happens when something outside the run holds one.
- Under SLURM (`SLURM_JOB_ID` set and `CUDA_VISIBLE_DEVICES` set by the scheduler's GRES) the
  scheduler already gave the job its GPUs: the assignment is left untouched; likewise inside a
  claim (a nested claim, or a child process of the job: vLLM's workers). The one exception: an
  allocation with more GPUs than the job asks for is being shared by local jobs (Snakemake's
  local executor in an `salloc`, the #281 problem again), so they are shared out with locks
  scoped to that SLURM job. With count 0 (a CPU job) nothing happens at all.
"""

from __future__ import annotations

import errno
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ENV_DEVICES = "MONKEYS_GPUS"
ENV_LOCK_DIR = "MONKEYS_GPU_LOCK_DIR"
ENV_WAIT = "MONKEYS_GPU_WAIT_S"
ENV_CLAIMED = "MONKEYS_GPUS_CLAIMED"
DEFAULT_WAIT_S = 1800.0


class DevicesUnavailable(RuntimeError):
    """The job asked for more GPUs than the machine has, or none became free in time."""


def _split(value: str) -> list[str]:
    return [d.strip() for d in value.split(",") if d.strip()]


def _nvidia_smi() -> list[str] | None:
    """Device ids as CUDA_VISIBLE_DEVICES takes them: GPU indices, or MIG instances' UUIDs (a
    MIG-partitioned GPU is addressed by its instances, not its index)."""
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return None
    try:
        listing = subprocess.run([exe, "-L"], capture_output=True, text=True, timeout=60, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    devices: list[str] = []
    for line in listing.splitlines():
        if m := re.match(r"GPU (\d+):", line):
            devices.append(m.group(1))
        elif m := re.match(r"\s+MIG .*\(UUID: (MIG-[^)]+)\)", line):
            if devices and not devices[-1].startswith("MIG-"):
                devices.pop()  # the parent GPU, replaced by its instances
            devices.append(m.group(1))
    return devices


def _torch_count() -> list[str] | None:
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        return None
    env = {k: v for k, v in os.environ.items() if k != "CUDA_VISIBLE_DEVICES"}
    try:
        out = subprocess.run(
            [sys.executable, "-c", "import torch; print(torch.cuda.device_count())"],
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
            env=env,
        ).stdout
        return [str(i) for i in range(int(out.split()[-1]))]
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return None


def available(devices: list[str] | str | None = None) -> tuple[list[str], str]:
    """The devices jobs on this machine share, and where that list came from."""
    if devices is not None:
        return (_split(devices) if isinstance(devices, str) else [str(d) for d in devices]), "devices="
    if os.environ.get(ENV_DEVICES) is not None:
        return _split(os.environ[ENV_DEVICES]), f"${ENV_DEVICES}"
    if os.environ.get("CUDA_VISIBLE_DEVICES") is not None:
        return _split(os.environ["CUDA_VISIBLE_DEVICES"]), "$CUDA_VISIBLE_DEVICES"
    found = _nvidia_smi()
    if found:
        return found, "nvidia-smi -L"
    found = _torch_count()
    if found:
        return found, "torch.cuda.device_count()"
    return [], "nothing (no nvidia-smi, no CUDA torch)"


def already_assigned(count: int) -> tuple[list[str], str] | None:
    """GPUs this job was already given, and by whom; None: claim them.

    - SLURM (`SLURM_JOB_ID`, and `CUDA_VISIBLE_DEVICES` from its GRES) with no more GPUs than the
      job asks for: the executor plugin submitted this job alone with its GPUs; keep them. (With
      more, several local jobs share one allocation, e.g. `snakemake --profile profiles/local` in
      an `salloc` on a GPU node: claim shares them out, see `claim`.)
    - A `claim` in this process or a parent, which marks its `CUDA_VISIBLE_DEVICES` in
      `$MONKEYS_GPUS_CLAIMED`: a child that claimed again would wait forever for its parent's locks.
    """
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is None:
        return None
    if os.environ.get(ENV_CLAIMED) == visible:
        return _split(visible), "a claim in this process or its parent"
    if os.environ.get("SLURM_JOB_ID") and len(_split(visible)) <= count:
        return _split(visible), "SLURM"
    return None


def default_lock_dir() -> Path:
    return Path(os.environ.get(ENV_LOCK_DIR) or Path(tempfile.gettempdir()) / "monkeys-gpu-locks")


def _lock_path(lock_dir: Path, device: str) -> Path:
    """Per host (in case lock_dir is shared between nodes) and, inside a SLURM job, per job: jobs
    of different allocations never share a GPU, and SLURM may number each one's GPUs from 0."""
    scope = re.sub(r"[^A-Za-z0-9.]", "_", socket.gethostname()) or "host"
    if os.environ.get("SLURM_JOB_ID"):
        scope += f"-slurm{re.sub(r'[^0-9A-Za-z_]', '_', os.environ['SLURM_JOB_ID'])}"
    return lock_dir / f"{scope}-gpu-{re.sub(r'[^A-Za-z0-9.-]', '_', device)}.lock"


def _open_lock(path: Path) -> int:
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except PermissionError:
        return os.open(path, os.O_RDONLY)  # another user's lock file: flock needs only read access


def _try_lock(path: Path) -> int | None:
    import fcntl

    fd = _open_lock(path)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as err:
        os.close(fd)
        if err.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return None
        raise
    return fd


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        return "unknown"
    since = time.strftime("%H:%M:%S", time.localtime(info.get("since", 0)))
    return f"pid {info.get('pid')} ({info.get('job', '?')}, since {since})"


def holders(devices: list[str] | str | None = None, lock_dir: str | Path | None = None) -> dict[str, str | None]:
    """Who holds each device now (None: free): for messages and `python -m monkeys.devices`."""
    pool, _ = available(devices)
    lock_dir = Path(lock_dir) if lock_dir else default_lock_dir()
    result = {}
    for device in pool:
        path = _lock_path(lock_dir, device)
        if not path.exists():
            result[device] = None
            continue
        fd = _try_lock(path)
        if fd is None:
            result[device] = _holder(path)
        else:
            os.close(fd)
            result[device] = None
    return result


def _say(message: str) -> None:
    try:
        from monkeys.jobs import say  # reaches the terminal from inside a rule's log redirection
    except ImportError:  # pragma: no cover
        print(message, file=sys.stderr, flush=True)
    else:
        say(message)


@contextmanager
def claim(
    count: int,
    *,
    devices: list[str] | str | None = None,
    lock_dir: str | Path | None = None,
    timeout: float | None = None,
    poll: float = 0.5,
    job: str | None = None,
) -> Iterator[list[str]]:
    """Hold `count` devices of this machine for the block and make them the only ones CUDA sees.

    Yields the device ids (as in `CUDA_VISIBLE_DEVICES`): [] for count 0, the scheduler's under
    SLURM. `job` names the holder in other jobs' waiting messages (default: the command line).
    """
    count = int(count)
    if count <= 0:
        yield []
        return
    assigned = already_assigned(count)
    if assigned is not None:
        given, by = assigned
        if len(given) < count:
            _say(f"monkeys.devices: {by} gave this job {len(given)} GPU(s) ({','.join(given)}); it asked for {count}")
        yield given
        return
    pool, source = available(devices)
    if count > len(pool):
        raise DevicesUnavailable(
            f"this job needs {count} GPU(s) but found {len(pool)} from {source}: {pool}. "
            f"Set ${ENV_DEVICES} (e.g. {ENV_DEVICES}=0,1,2,3) to the GPUs this machine may use, and "
            f"`--resources gpu=N` to their number."
        )
    lock_dir = Path(lock_dir) if lock_dir else default_lock_dir()
    if not lock_dir.is_dir():
        lock_dir.mkdir(parents=True, exist_ok=True)
        try:
            lock_dir.chmod(0o1777)  # shared by every user's jobs on this machine, like /tmp
        except OSError:
            pass
    if timeout is None:
        timeout = float(os.environ.get(ENV_WAIT, DEFAULT_WAIT_S))
    deadline = time.monotonic() + timeout
    rng = random.Random(os.getpid() ^ time.time_ns())
    waited_message = 0.0
    while True:
        held: dict[str, int] = {}
        for device in pool:
            fd = _try_lock(_lock_path(lock_dir, device))
            if fd is not None:
                held[device] = fd
                if len(held) == count:
                    break
        if len(held) == count:
            break
        for fd in held.values():  # all or nothing: never sit on some GPUs while waiting for more
            os.close(fd)
        now = time.monotonic()
        busy = {d: _holder(_lock_path(lock_dir, d)) for d in pool if d not in held}
        if now >= deadline:
            raise DevicesUnavailable(
                f"no {count} free GPU(s) among {','.join(pool)} after {timeout:.0f} s; held: "
                + "; ".join(f"GPU {d}: {h}" for d, h in busy.items())
                + f" (locks in {lock_dir}; raise ${ENV_WAIT} to wait longer)"
            )
        if now >= waited_message:
            _say(
                f"monkeys.devices: waiting for {count} free GPU(s) of {','.join(pool)}; "
                + "; ".join(f"GPU {d}: {h}" for d, h in busy.items())
            )
            waited_message = now + 60
        time.sleep(poll * (0.5 + rng.random()))
    chosen = list(held)
    record = json.dumps({"pid": os.getpid(), "job": job or " ".join(sys.argv)[-200:], "since": time.time()})
    for fd in held.values():
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, record.encode(), 0)
        except OSError:
            pass  # opened read-only (another user's file): the lock still holds
    saved = {k: os.environ.get(k) for k in ("CUDA_VISIBLE_DEVICES", "CUDA_DEVICE_ORDER", ENV_CLAIMED)}
    os.environ["CUDA_VISIBLE_DEVICES"] = os.environ[ENV_CLAIMED] = ",".join(chosen)
    if source == "nvidia-smi -L":
        os.environ.setdefault("CUDA_DEVICE_ORDER", "PCI_BUS_ID")  # CUDA's numbering = nvidia-smi's
    print(
        f"monkeys.devices: GPU(s) {','.join(chosen)} of {','.join(pool)} ({source}) for this job",
        file=sys.stderr,
        flush=True,
    )
    try:
        yield chosen
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        for fd in held.values():
            os.close(fd)  # releases the flock


def main() -> None:
    """`python -m monkeys.devices`: the devices jobs here would share, and who holds each."""
    pool, source = available()
    print(f"devices ({source}): {','.join(pool) or 'none'}; locks in {default_lock_dir()}")
    for device, holder in holders().items():
        print(f"  GPU {device}: {holder or 'free'}")


if __name__ == "__main__":
    main()

"""GPU assignment for local jobs (monkeys.devices), on a machine without GPUs: a stand-in
`nvidia-smi` lists four devices, and GPU jobs run through Snakemake's local executor."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from monkeys import devices
from monkeys.devices import DevicesUnavailable, claim

HERE = Path(__file__).resolve().parent / "devices"
REPO = HERE.parents[1]


@pytest.fixture
def four_gpus(tmp_path, monkeypatch):
    """The stand-in nvidia-smi first on PATH, a private lock directory, no outside assignment."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shutil.copy(HERE / "nvidia-smi", bin_dir / "nvidia-smi")
    (bin_dir / "nvidia-smi").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("MONKEYS_GPU_LOCK_DIR", str(tmp_path / "locks"))
    for name in ["MONKEYS_GPUS", "CUDA_VISIBLE_DEVICES", "CUDA_DEVICE_ORDER", "SLURM_JOB_ID"]:
        monkeypatch.delenv(name, raising=False)
    return tmp_path


HOLDER = """
import os, signal, sys, time
from monkeys.devices import claim
with claim(int(sys.argv[1]), job="holder job") as d:
    print(",".join(d), flush=True)
    if sys.argv[2] == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if sys.argv[2] == "hold":
        time.sleep(60)
"""


def child_env() -> dict:
    """The environment of another job on this machine: not a child of a claiming process."""
    env = {k: v for k, v in os.environ.items() if k not in ("CUDA_VISIBLE_DEVICES", "MONKEYS_GPUS_CLAIMED")}
    return {**env, "PYTHONPATH": str(REPO / "src")}


def test_devices_come_from_nvidia_smi_or_an_explicit_list(four_gpus, monkeypatch):
    assert devices.available() == (["0", "1", "2", "3"], "nvidia-smi -L")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2,3")  # the run was started on two of them
    assert devices.available()[0] == ["2", "3"]
    monkeypatch.setenv("MONKEYS_GPUS", "4, 5,6")
    assert devices.available() == (["4", "5", "6"], "$MONKEYS_GPUS")
    assert devices.available("7,8")[0] == ["7", "8"] and devices.available([9])[0] == ["9"]


def test_mig_instances_replace_their_gpu(four_gpus):
    fake = four_gpus / "bin" / "nvidia-smi"
    fake.write_text(
        "#!/bin/sh\n"
        "echo 'GPU 0: NVIDIA A100 (UUID: GPU-aaaa)'\n"
        "echo '  MIG 3g.40gb     Device  0: (UUID: MIG-1111)'\n"
        "echo '  MIG 3g.40gb     Device  1: (UUID: MIG-2222)'\n"
        "echo 'GPU 1: NVIDIA A100 (UUID: GPU-bbbb)'\n"
    )
    assert devices.available()[0] == ["MIG-1111", "MIG-2222", "1"]


def test_claim_sets_and_restores_cuda_visible_devices(four_gpus):
    with claim(1) as first:
        assert first == ["0"] and os.environ["CUDA_VISIBLE_DEVICES"] == "0"
        assert os.environ["CUDA_DEVICE_ORDER"] == "PCI_BUS_ID"  # CUDA's numbering = nvidia-smi's
        holders = devices.holders("0,1,2,3")
        assert holders["0"].startswith(f"pid {os.getpid()}") and holders["1"] is None
        with claim(1) as inner:  # a nested claim (or the job's child processes) keeps the job's GPU
            assert inner == ["0"]
        other = subprocess.run(
            [sys.executable, "-c", HOLDER, "2", "print"], env=child_env(), capture_output=True, text=True
        )
        assert other.stdout.strip() == "1,2"  # another job on the machine: other GPUs
        assert os.environ["CUDA_VISIBLE_DEVICES"] == "0"
    assert not {"CUDA_VISIBLE_DEVICES", "CUDA_DEVICE_ORDER", "MONKEYS_GPUS_CLAIMED"} & os.environ.keys()
    assert set(devices.holders().values()) == {None}


def test_cpu_job_and_slurm_job_are_left_alone(four_gpus, monkeypatch):
    with claim(0) as none:
        assert none == [] and "CUDA_VISIBLE_DEVICES" not in os.environ
    monkeypatch.setenv("SLURM_JOB_ID", "4242")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "GPU-5ca1ab1e")
    with claim(1) as given:
        assert given == ["GPU-5ca1ab1e"] and os.environ["CUDA_VISIBLE_DEVICES"] == "GPU-5ca1ab1e"
    assert os.environ["CUDA_VISIBLE_DEVICES"] == "GPU-5ca1ab1e"
    assert not (four_gpus / "locks").exists()  # no lock taken


def test_local_jobs_sharing_a_slurm_allocation_share_out_its_gpus(four_gpus, monkeypatch):
    """`snakemake --profile profiles/local` inside an salloc with GPUs 4-7: the #281 problem
    again, so jobs claim within the allocation, with locks of their own SLURM job."""
    monkeypatch.setenv("SLURM_JOB_ID", "77")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "4,5,6,7")
    with claim(1) as first:
        assert first == ["4"] and os.environ["CUDA_VISIBLE_DEVICES"] == "4"
        other = subprocess.run(
            [sys.executable, "-c", HOLDER, "2", "print"],
            env=child_env() | {"CUDA_VISIBLE_DEVICES": "4,5,6,7"},
            capture_output=True,
            text=True,
        )
        assert other.stdout.strip() == "5,6"
    assert os.environ["CUDA_VISIBLE_DEVICES"] == "4,5,6,7"
    assert all("-slurm77-gpu-" in p.name for p in (four_gpus / "locks").iterdir())


def test_too_many_or_none_free_fails_clearly(four_gpus, monkeypatch):
    with pytest.raises(DevicesUnavailable, match=r"needs 5 GPU\(s\) but found 4 from nvidia-smi"):
        with claim(5):
            pass
    monkeypatch.delenv("PATH")  # no nvidia-smi, and torch (if any) is asked without GPUs
    monkeypatch.setattr(devices, "_torch_count", lambda: None)
    with pytest.raises(DevicesUnavailable, match="MONKEYS_GPUS"):
        with claim(1):
            pass


def test_waits_then_says_who_holds_the_gpus(four_gpus):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, "3", "hold"], env=child_env(), stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "0,1,2"
        start = time.monotonic()
        with pytest.raises(DevicesUnavailable) as err:
            with claim(2, timeout=1.0, poll=0.1):
                pass
        assert 1.0 <= time.monotonic() - start < 5
        assert f"GPU 0: pid {holder.pid} (holder job" in str(err.value)
        with claim(1, timeout=0) as last:  # the waiting claim held nothing while it waited
            assert last == ["3"]
    finally:
        holder.kill()
        holder.wait()


def test_sigkilled_holder_frees_its_gpus_at_once(four_gpus):
    env = child_env()
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, "4", "hold"], env=env, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "0,1,2,3"
    with pytest.raises(DevicesUnavailable):
        with claim(1, timeout=0.2, poll=0.05):
            pass
    holder.send_signal(signal.SIGKILL)
    holder.wait(10)
    with claim(4, timeout=0) as all_four:
        assert all_four == ["0", "1", "2", "3"]
    dies = subprocess.run([sys.executable, "-c", HOLDER, "2", "kill"], env=env, capture_output=True, text=True)
    assert dies.returncode == -signal.SIGKILL and dies.stdout.strip() == "0,1"
    with claim(4, timeout=0):
        pass


# ---- through Snakemake ------------------------------------------------------------------------


def snakemake(workdir: Path, target: str, env: dict) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            target,
            "--cores",
            "4",
            "-s",
            str(HERE / "Snakefile"),
            "-d",
            str(workdir),
            "--resources",
            "gpu=4",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]


@pytest.fixture
def snakemake_env(four_gpus):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}
    venv_bin = str(Path(sys.executable).parent)
    env.update(
        PATH=f"{four_gpus / 'bin'}{os.pathsep}{venv_bin}{os.pathsep}{env['PATH']}",
        PYTHONPATH=str(REPO / "src"),
        PROBE_WAIT_S="60",
    )
    return env


def records(workdir: Path, pattern: str) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(workdir.glob(pattern))]


def max_concurrency(jobs: list[dict]) -> int:
    events = sorted([(j["start"], 1) for j in jobs] + [(j["end"], -1) for j in jobs])
    level = peak = 0
    for _, step in events:
        level += step
        peak = max(peak, level)
    return peak


@pytest.mark.slow
def test_concurrent_gpu_jobs_through_snakemake_never_share_a_gpu(four_gpus, snakemake_env):
    """Eight one-GPU and two tensor-parallel-2 jobs with --resources gpu=4: every job holds its own
    GPUs; no GPU is ever held by two jobs at once; CPU and SLURM jobs are left alone."""
    work = four_gpus / "work"
    snakemake(work, "concurrency", snakemake_env)
    gpu_jobs = records(work, "one/*.json") + records(work, "pair/*.json")
    assert len(gpu_jobs) == 10
    for job in gpu_jobs:
        assert len(job["devices"]) == job["count"] == len(set(job["devices"]))
        assert set(job["devices"]) <= {"0", "1", "2", "3"}
        assert job["cvd"] == ",".join(job["devices"]) and job["cvd_after"] is None
    assert all(len(set(j["devices"])) == 2 for j in records(work, "pair/*.json"))
    for device in "0123":
        spans = sorted((j["start"], j["end"]) for j in gpu_jobs if device in j["devices"])
        assert all(a_end <= b_start for (_, a_end), (b_start, _) in zip(spans, spans[1:])), (device, spans)
    peak = max_concurrency(gpu_jobs)
    assert peak >= 2, "jobs never overlapped: the test proves nothing"
    print(
        f"most GPU jobs holding GPUs at once: {peak}; devices used: "
        f"{sorted({d for j in gpu_jobs for d in j['devices']})}"
    )
    (cpu,) = records(work, "cpu.json")
    assert cpu["devices"] == [] and cpu["cvd"] is None
    (slurm,) = records(work, "slurm.json")
    assert slurm["devices"] == ["5", "7"] and slurm["cvd"] == "5,7" == slurm["cvd_after"]
    locks = sorted(p.name.rsplit("-", 1)[1] for p in (four_gpus / "locks").iterdir())
    assert locks == ["0.lock", "1.lock", "2.lock", "3.lock"]  # the SLURM job took none of 5, 7


@pytest.mark.slow
def test_gpu_of_a_sigkilled_job_is_reused_through_snakemake(four_gpus, snakemake_env):
    """A job SIGKILLed while holding a GPU, then four one-GPU jobs that wait until all four hold
    GPUs at the same time: they can only if the dead job's GPU was freed."""
    work = four_gpus / "work"
    snakemake(work, "after_kill", snakemake_env)
    (victim,) = records(work, "victim.json")
    assert victim["end"] is None and len(victim["devices"]) == 1
    reusers = records(work, "after_kill/*.json")
    assert len(reusers) == 4 and all(j["start"] > victim["start"] for j in reusers)
    assert sorted(d for j in reusers for d in j["devices"]) == ["0", "1", "2", "3"]
    assert max_concurrency(reusers) == 4
    assert all(j["waited"] < 30 for j in reusers)

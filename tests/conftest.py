import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"


def read_jsonl(path: Path) -> list[dict]:
    with open(path) as f:
        return [json.loads(line) for line in f]


@pytest.fixture
def offline(monkeypatch):
    """Make the hub unreachable the way an offline machine sees it."""
    from monkeys import problems

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    problems.hub_unreachable.cache_clear()
    yield
    problems.hub_unreachable.cache_clear()


@pytest.fixture(autouse=True, scope="session")
def _hub_offline_by_default():
    # Tests never wait on the hub's retries: this machine and CI are offline.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

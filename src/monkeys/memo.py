"""Judgements of expensive verifiers, remembered on disk across chunks, runs and users.

Keyed by (verifier spec, gold, answer): a verifier spec holds the kind, its version and every
option, so a change to any of them starts a fresh memo. Only cacheable judgements are stored.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from monkeys.tasks import Judgement

Key = tuple[str, str]  # (gold, answer)


class JudgementMemo:
    """One small JSON file per judgement; safe to share between concurrent jobs."""

    def __init__(self, directory: str, verifier: dict):
        self.directory = Path(directory) / verifier["kind"]
        self.salt = json.dumps(verifier, sort_keys=True)

    def _path(self, key: Key) -> Path:
        h = hashlib.sha256()
        for part in (self.salt, *key):
            h.update(hashlib.sha256(part.encode()).digest())
        name = h.hexdigest()
        return self.directory / name[:2] / f"{name}.json"

    def get_many(self, keys: list[Key]) -> dict[Key, Judgement]:
        found = {}
        for key in keys:
            try:
                correct, reason = json.loads(self._path(key).read_text())
            except (OSError, ValueError):
                continue
            found[key] = Judgement(bool(correct), reason)
        return found

    def put_many(self, judgements: dict[Key, Judgement]) -> None:
        for key, judgement in judgements.items():
            path = self._path(key)
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False) as f:
                json.dump([judgement.correct, judgement.reason], f)
            os.replace(f.name, path)

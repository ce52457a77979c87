"""Judgements of expensive verifiers, remembered on disk across chunks, runs, jobs and users.

Keyed by (verifier spec, gold, answer): a verifier spec holds the kind, its version and every
option, so a change to any of them starts afresh. Only cacheable judgements are stored.

Why segment files. The paper's runs judge 165 problems x 10,000 programs per verifier: one file
per judgement (the first design) is over a million files on the cluster's shared filesystem,
where every create, stat and open is a metadata-server round trip and quotas count inodes. Here a
memo directory (`<directory>/<kind>/`) holds a bounded number of immutable *segment* files:

- `put_many` writes one segment per call (one per verify job): to a temporary name, fsync, then
  `rename` to its final name, the one operation that is atomic on local filesystems, NFS, Lustre
  and GPFS alike. A writer killed at any moment leaves either a whole segment or an ignored
  temporary file, never a torn one; writers never touch each other's files, so any number of
  processes on any number of nodes can write at once with no locks. (SQLite would need POSIX
  locks, which NFS does not honour reliably.) Every segment ends with a CRC of its contents, so a
  damaged file (a disk or a client that lied about fsync) is detected, reported and skipped.
- Compaction bounds the count, as in a log-structured merge tree: segments are grouped in tiers by
  size (powers of FANOUT entries) and when a tier holds FANOUT segments they are merged into one of
  the next tier. A directory of N entries thus holds at most about FANOUT x log_FANOUT(N) segments
  (plus one per MAX_MERGE entries), and each entry is rewritten log_FANOUT(N) times. Compaction is
  crash-safe by ordering alone: the merged segment is committed (renamed in) *before* its inputs
  are deleted, so an entry is always in some committed segment; a crash in between leaves
  duplicates, which are harmless and merged away later. Two compactions at once (a lock that NFS
  or Lustre's localflock does not enforce) are therefore also safe: a compaction that finds an
  input gone gives up, and one that succeeds has every entry of the inputs it deletes.
- Lookups read each segment once per process (they are immutable: the cache never goes stale)
  and binary-search the sorted 128-bit keys with numpy: a hit costs microseconds, against
  milliseconds to seconds for running a program on a problem's tests. A reader that lists a
  segment which compaction then deletes lists again and finds the merged one.

Keys are the first 16 bytes of the hash the per-file memo used for its file names, so an old
per-file directory (`<kind>/<2 hex>/<hash>.json`) is migrated into segments, with a message, the
first time a memo opens it, and is read file by file where it cannot be (a read-only directory).
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import secrets
import signal
import socket
import struct
import time
import zlib
from pathlib import Path

import numpy as np

from monkeys.jobs import say  # reaches the terminal from inside a rule's log
from monkeys.tasks import Judgement

Key = tuple[str, str]  # (gold, answer)

log = logging.getLogger(__name__)

MAGIC, END = b"MKYMEMO1", b"MKYEND01"
HEADER = struct.Struct("<8sQQQ")  # magic, entries, distinct values, bytes of values
TRAILER = struct.Struct("<I8s")  # crc32 of everything before it, END
FANOUT = 8  # segments of one size tier merged at once
MAX_MERGE = 1 << 23  # entries: larger segments are never merged (bounds compaction's memory, ~0.5 GB)
TMP_MAX_AGE_S = 3600.0  # a temporary file this old belongs to a writer that died
MIGRATE_BATCH = 200_000  # legacy files per migrated segment
SUFFIX = ".seg"


class CorruptSegment(ValueError):
    """A segment file whose size, markers or checksum are wrong: never read from."""


def _crash_point(name: str) -> None:
    """Test hook: `MONKEYS_MEMO_CRASH_AT=<name>` SIGKILLs this process here, so tests can show the
    store survives a writer or compactor killed at each step. Costs one environment lookup."""
    if os.environ.get("MONKEYS_MEMO_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def _host() -> str:
    return "".join(c if c.isalnum() else "_" for c in socket.gethostname())[:40] or "host"


def _tier(entries: int) -> int:
    """floor(log_FANOUT(entries)): segments of one tier are within a factor FANOUT in size."""
    tier = 0
    while entries >= FANOUT:
        entries //= FANOUT
        tier += 1
    return tier


def _segment_entries(name: str) -> int | None:
    """Entries of a committed segment from its name (`seg-<entries>-<ns>-<host>-<pid>-<rand>.seg`),
    so compaction plans without opening files; None for anything else."""
    if not (name.startswith("seg-") and name.endswith(SUFFIX)):
        return None
    try:
        return int(name.split("-", 2)[1])
    except ValueError:
        return None


def _fsync_dir(directory: Path) -> None:
    """Make a rename durable; some filesystems refuse fsync on a directory, which is fine."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _encode(judgement: Judgement) -> bytes:
    return (b"\x01" if judgement.correct else b"\x00") + judgement.reason.encode("utf-8", "surrogatepass")


def _split(digests: bytes) -> tuple[np.ndarray, np.ndarray]:
    """16-byte keys (concatenated) as (high, low) native uint64 arrays; sorted by (high, low) is
    sorted bytewise."""
    pairs = np.frombuffer(digests, dtype=">u8").reshape(-1, 2)
    return pairs[:, 0].astype(np.uint64), pairs[:, 1].astype(np.uint64)


def _serialize(hi: np.ndarray, lo: np.ndarray, vidx: np.ndarray, table: list[bytes]) -> bytes:
    """A segment: sorted, de-duplicated keys (first occurrence wins), each with an index into a
    table of distinct encoded judgements (verdicts repeat: a handful of reasons cover most)."""
    order = np.lexsort((lo, hi))  # stable: among equal keys the first given stays first
    hi, lo, vidx = hi[order], lo[order], vidx[order]
    if len(hi) > 1:
        keep = np.ones(len(hi), dtype=bool)
        keep[1:] = (hi[1:] != hi[:-1]) | (lo[1:] != lo[:-1])
        hi, lo, vidx = hi[keep], lo[keep], vidx[keep]
    used, vidx = np.unique(vidx, return_inverse=True)
    values = [table[i] for i in used]
    offsets = np.zeros(len(values) + 1, dtype="<u8")
    np.cumsum([len(v) for v in values], out=offsets[1:])
    blob = b"".join(values)
    keys = np.empty((len(hi), 2), dtype=">u8")
    keys[:, 0], keys[:, 1] = hi, lo
    body = b"".join(
        [
            HEADER.pack(MAGIC, len(hi), len(values), len(blob)),
            keys.tobytes(),
            vidx.astype("<u4").tobytes(),
            offsets.tobytes(),
            blob,
        ]
    )
    return body + TRAILER.pack(zlib.crc32(body), END)


class Segment:
    """One committed segment in memory: sorted keys, value indices, and the value table."""

    def __init__(self, name: str, data: bytes):
        self.name = name
        if len(data) < HEADER.size + TRAILER.size:
            raise CorruptSegment(f"{name}: {len(data)} bytes, shorter than a header")
        magic, n, m, blob_len = HEADER.unpack_from(data)
        crc, end = TRAILER.unpack_from(data, len(data) - TRAILER.size)
        expected = HEADER.size + 20 * n + 8 * (m + 1) + blob_len + TRAILER.size
        if magic != MAGIC or end != END or len(data) != expected:
            raise CorruptSegment(f"{name}: bad markers or size ({len(data)} bytes, expected {expected})")
        if zlib.crc32(memoryview(data)[: -TRAILER.size]) != crc:
            raise CorruptSegment(f"{name}: checksum mismatch")
        at = HEADER.size
        self.hi, self.lo = _split(data[at : at + 16 * n])
        at += 16 * n
        self.vidx = np.frombuffer(data, dtype="<u4", count=n, offset=at).astype(np.int64)
        at += 4 * n
        self.offsets = np.frombuffer(data, dtype="<u8", count=m + 1, offset=at).astype(np.int64)
        at += 8 * (m + 1)
        self.blob = data[at : at + blob_len]
        self._values: dict[int, Judgement] = {}

    def __len__(self) -> int:
        return len(self.hi)

    def lookup(self, qhi: np.ndarray, qlo: np.ndarray) -> np.ndarray:
        """Positions of the queried keys, -1 where absent."""
        n = len(self.hi)
        if n == 0 or len(qhi) == 0:
            return np.full(len(qhi), -1, dtype=np.int64)
        pos = np.searchsorted(self.hi, qhi, side="left")
        at = np.minimum(pos, n - 1)
        same_hi = (pos < n) & (self.hi[at] == qhi)
        hit = same_hi & (self.lo[at] == qlo)
        result = np.where(hit, at, -1)
        for q in np.nonzero(same_hi & ~hit)[0]:  # 64-bit prefix shared by two keys: ~never
            j = at[q] + 1
            while j < n and self.hi[j] == qhi[q]:
                if self.lo[j] == qlo[q]:
                    result[q] = j
                    break
                j += 1
        return result

    def judgement(self, position: int) -> Judgement:
        v = int(self.vidx[position])
        if v not in self._values:
            raw = self.blob[self.offsets[v] : self.offsets[v + 1]]
            self._values[v] = Judgement(raw[:1] == b"\x01", raw[1:].decode("utf-8", "surrogatepass"))
        return self._values[v]

    def raw_value(self, v: int) -> bytes:
        return self.blob[self.offsets[v] : self.offsets[v + 1]]


def read_segment(path: Path) -> Segment:
    return Segment(path.name, path.read_bytes())


def write_segment(directory: Path, hi, lo, vidx, table: list[bytes], *, crash_prefix: str = "segment") -> Path:
    """Commit a segment: temporary name, fsync, atomic rename, fsync of the directory."""
    data = _serialize(np.asarray(hi, np.uint64), np.asarray(lo, np.uint64), np.asarray(vidx, np.int64), table)
    entries = HEADER.unpack_from(data)[1]
    tag = f"{_host()}-{os.getpid()}-{secrets.token_hex(4)}"
    tmp = directory / f".tmp-{tag}{SUFFIX}"
    final = directory / f"seg-{entries:012d}-{time.time_ns():020d}-{tag}{SUFFIX}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    _crash_point(f"{crash_prefix}-written")
    os.rename(tmp, final)
    _fsync_dir(directory)
    _crash_point(f"{crash_prefix}-committed")
    return final


class _Lock:
    """A best-effort, non-blocking flock that only spares duplicate work (compaction, migration):
    correctness never depends on it, so where the filesystem cannot lock we go ahead unlocked."""

    def __init__(self, path: Path):
        self.path, self.fd = path, None

    def acquire(self) -> bool:
        import fcntl

        try:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError:
            return False  # read-only directory: nothing to compact into anyway
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            if err.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                os.close(self.fd)
                self.fd = None
                return False  # someone else is at it
        return True  # locked, or locking unsupported (ENOLCK, EOPNOTSUPP): proceed

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing drops the lock
            self.fd = None


class JudgementMemo:
    """A memo directory of immutable segment files; safe for concurrent writers on any node."""

    def __init__(self, directory: str, verifier: dict):
        self.directory = Path(directory) / verifier["kind"]
        self.salt = json.dumps(verifier, sort_keys=True)
        self._salt_digest = hashlib.sha256(self.salt.encode()).digest()
        self._segments: dict[str, Segment] = {}  # by file name; committed segments never change
        self._reported: set[str] = set()  # damaged segments already warned about
        self._legacy = False  # per-file entries remain (not migrated): consult them on misses
        if self.directory.is_dir() and self._legacy_dirs():
            self._legacy = not self.migrate_legacy()

    # keys -----------------------------------------------------------------------------------

    def _digests(self, keys: list[Key]) -> list[bytes]:
        """sha256(sha256(spec) | sha256(gold) | sha256(answer)): the per-file memo's name for the
        entry (so old directories migrate); golds repeat across keys and are hashed once."""
        gold_digest: dict[str, bytes] = {}
        out = []
        for gold, answer in keys:
            g = gold_digest.get(gold)
            if g is None:
                g = gold_digest[gold] = hashlib.sha256(gold.encode()).digest()
            out.append(hashlib.sha256(self._salt_digest + g + hashlib.sha256(answer.encode()).digest()).digest())
        return out

    # reading ----------------------------------------------------------------------------------

    def _listing(self) -> list[str]:
        try:
            return [e.name for e in os.scandir(self.directory) if _segment_entries(e.name) is not None]
        except FileNotFoundError:
            return []

    def _load(self) -> list[Segment]:
        """The committed segments, largest first. A segment listed and then compacted away is
        replaced by its merged successor, committed before the deletion: list again."""
        for attempt in range(6):
            names = self._listing()
            vanished = False
            for name in names:
                if name in self._segments or name in self._reported:
                    continue
                try:
                    self._segments[name] = read_segment(self.directory / name)
                except FileNotFoundError as err:
                    vanished = True
                    log.debug("segment %s vanished while listing: %s", name, err)
                except CorruptSegment as err:
                    self._reported.add(name)
                    log.warning("judgement memo: ignoring damaged segment (%s)", err)
                except OSError as err:
                    if err.errno != errno.ESTALE:
                        raise
                    vanished = True  # NFS: deleted by another client after our listing
            if not vanished:
                break
            time.sleep(0.02 * (attempt + 1))
        current = set(names)
        for name in list(self._segments):
            if name not in current:
                del self._segments[name]  # merged into a segment we now hold: free the memory
        return sorted(self._segments.values(), key=len, reverse=True)

    def get_many(self, keys: list[Key]) -> dict[Key, Judgement]:
        if not keys:
            return {}
        digests = self._digests(keys)
        found: dict[Key, Judgement] = {}
        segments = self._load()
        if segments:
            qhi, qlo = _split(b"".join(d[:16] for d in digests))
            remaining = np.arange(len(keys))
            for segment in segments:
                if remaining.size == 0:
                    break
                at = segment.lookup(qhi[remaining], qlo[remaining])
                hit = at >= 0
                for q, position in zip(remaining[hit].tolist(), at[hit].tolist()):
                    found[keys[q]] = segment.judgement(position)
                remaining = remaining[~hit]
        if self._legacy:
            for key, digest in zip(keys, digests):
                if key not in found and (judgement := self._legacy_get(digest.hex())) is not None:
                    found[key] = judgement
        return found

    # writing ----------------------------------------------------------------------------------

    def put_many(self, judgements: dict[Key, Judgement]) -> None:
        if not judgements:
            return
        keys = list(judgements)
        table: dict[bytes, int] = {}
        vidx = [table.setdefault(_encode(judgements[k]), len(table)) for k in keys]
        hi, lo = _split(b"".join(d[:16] for d in self._digests(keys)))
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            write_segment(self.directory, hi, lo, vidx, list(table))
            self.compact()
        except OSError as err:  # a full or read-only disk must not fail the job that did the judging
            log.warning("judgement memo: could not remember %d judgements in %s: %s", len(keys), self.directory, err)

    # compaction -------------------------------------------------------------------------------

    def compact(self, *, everything: bool = False, tmp_max_age_s: float = TMP_MAX_AGE_S) -> int:
        """Merge full tiers (or, with `everything`, all segments below MAX_MERGE entries) and clear
        temporary files of dead writers. Returns how many segments were merged away. Another
        process compacting already: return at once (it will see our segment too)."""
        lock = _Lock(self.directory / ".compact.lock")
        if not lock.acquire():
            return 0
        try:
            self._clear_tmp(tmp_max_age_s)
            for name in self._reported & set(self._listing()):
                self._set_aside(name, CorruptSegment(f"{name}: failed its check when read"))
            merged = 0
            for _ in range(64):
                group = self._plan(everything)
                if not group:
                    break
                done = self._merge(group)
                if done is None:
                    break  # an input vanished: another compactor is running despite the lock
                merged += done
            return merged
        finally:
            lock.release()

    def _plan(self, everything: bool) -> list[str]:
        tiers: dict[int, list[tuple[int, str]]] = {}
        for name in self._listing():
            n = _segment_entries(name)
            if n < MAX_MERGE and name not in self._reported:
                tiers.setdefault(-1 if everything else _tier(n), []).append((n, name))
        for tier in sorted(tiers):
            members = sorted(tiers[tier])
            if len(members) >= (2 if everything else FANOUT):
                group, total = [], 0
                for n, name in members:  # smallest first, as many as fit under MAX_MERGE
                    if group and total + n > MAX_MERGE:
                        break
                    group.append(name)
                    total += n
                if len(group) >= 2:
                    return group
        return []

    def _merge(self, names: list[str]) -> int | None:
        """Merge `names` into one segment: how many were merged away, None if an input vanished."""
        parts = []
        for name in names:
            try:
                parts.append(self._segments.get(name) or read_segment(self.directory / name))
            except FileNotFoundError:
                return None
            except CorruptSegment as err:
                self._set_aside(name, err)
                return 0  # plan again without it
        hi = np.concatenate([p.hi for p in parts])
        lo = np.concatenate([p.lo for p in parts])
        table: dict[bytes, int] = {}
        vidx = []
        for p in parts:
            remap = np.array(
                [table.setdefault(p.raw_value(v), len(table)) for v in range(len(p.offsets) - 1)], dtype=np.int64
            )
            vidx.append(remap[p.vidx] if len(p.vidx) else p.vidx)
        write_segment(self.directory, hi, lo, np.concatenate(vidx), list(table), crash_prefix="compact")
        for i, name in enumerate(names):  # only now: every entry is in the committed merged segment
            if i == len(names) // 2:
                _crash_point("compact-half-deleted")
            try:
                os.unlink(self.directory / name)
            except FileNotFoundError:
                pass
        _fsync_dir(self.directory)
        return len(names)

    def _set_aside(self, name: str, err: Exception) -> None:
        """Keep a damaged segment for inspection, out of reads and compaction."""
        log.warning("judgement memo: setting aside damaged segment (%s)", err)
        self._reported.add(name)
        try:
            os.rename(self.directory / name, self.directory / f"damaged-{name}")
        except OSError:
            pass

    def _clear_tmp(self, max_age_s: float) -> None:
        now = time.time()
        for entry in os.scandir(self.directory):
            if entry.name.startswith(".tmp-"):
                try:
                    if now - entry.stat().st_mtime >= max_age_s:
                        os.unlink(entry.path)
                except FileNotFoundError:
                    pass

    def file_count(self) -> int:
        """Files under this memo's directory (what inode quotas count)."""
        return sum(len(files) for _, _, files in os.walk(self.directory))

    # the per-file layout of earlier versions ----------------------------------------------------

    def _legacy_dirs(self) -> list[Path]:
        hexdigits = set("0123456789abcdef")
        return [
            Path(e.path)
            for e in os.scandir(self.directory)
            if len(e.name) == 2 and set(e.name) <= hexdigits and e.is_dir()
        ]

    def _legacy_get(self, name: str) -> Judgement | None:
        try:
            correct, reason = json.loads((self.directory / name[:2] / f"{name}.json").read_text())
        except (OSError, ValueError):
            return None
        return Judgement(bool(correct), reason)

    def migrate_legacy(self) -> bool:
        """Move per-file judgements (`<kind>/<2 hex>/<sha256>.json`, every spec of the kind) into
        segments, deleting each file only after its segment is committed, so a crash or a second
        migrating job loses nothing. True when no per-file entries remain."""
        lock = _Lock(self.directory / ".compact.lock")
        if not lock.acquire():
            return False  # another job is migrating: read the old files meanwhile
        try:
            dirs = self._legacy_dirs()
            if not dirs:
                return True
            message = (
                f"monkeys.memo: migrating the per-file judgement memo {self.directory} "
                f"({len(dirs)} hash directories) into segment files; this happens once"
            )
            say(message)
            count = 0
            batch: dict[bytes, bytes] = {}
            files: list[Path] = []
            for d in dirs:
                for entry in os.scandir(d):
                    path = Path(entry.path)
                    stem = entry.name[:-5]
                    if entry.name.endswith(".json") and len(stem) == 64:
                        try:
                            correct, reason = json.loads(path.read_text())
                            batch[bytes.fromhex(stem)[:16]] = _encode(Judgement(bool(correct), str(reason)))
                        except FileNotFoundError:
                            continue
                        except (OSError, ValueError):
                            pass  # unreadable or torn: drop it, it will be judged again
                        files.append(path)
                    elif time.time() - entry.stat().st_mtime >= TMP_MAX_AGE_S:
                        files.append(path)  # a temporary file of a writer that died
                    if len(batch) >= MIGRATE_BATCH:
                        count += self._commit_legacy(batch, files)
                        batch, files = {}, []
            count += self._commit_legacy(batch, files)
            for d in dirs:
                try:
                    d.rmdir()
                except OSError:
                    pass
            say(f"monkeys.memo: migrated {count} judgements of {self.directory}")
            return not self._legacy_dirs()
        except OSError as err:
            log.warning("judgement memo: cannot migrate %s (%s); reading its files one by one", self.directory, err)
            return False
        finally:
            lock.release()

    def _commit_legacy(self, batch: dict[bytes, bytes], files: list[Path]) -> int:
        if batch:
            table: dict[bytes, int] = {}
            vidx = [table.setdefault(v, len(table)) for v in batch.values()]
            hi, lo = _split(b"".join(batch))
            write_segment(self.directory, hi, lo, vidx, list(table))
        for path in files:
            try:
                path.unlink()
            except FileNotFoundError:
                pass
        return len(batch)

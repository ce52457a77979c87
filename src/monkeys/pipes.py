"""Read JSON messages from a child process's pipe, with a timeout."""

from __future__ import annotations

import json
import os
import select


def read_json(fd: int, buffer: bytes, delimiter: bytes, timeout: float) -> tuple[dict | None, bytes]:
    """The next message ending in `delimiter` and the bytes left after it; None if the pipe closed
    or stayed silent for `timeout` seconds."""
    while delimiter not in buffer:
        ready, _, _ = select.select([fd], [], [], timeout)
        chunk = os.read(fd, 1 << 20) if ready else b""
        if not chunk:
            return None, buffer
        buffer += chunk
    message, rest = buffer.split(delimiter, 1)
    return json.loads(message), rest

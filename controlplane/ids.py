"""Resource ids: a type prefix and a lowercase monotonic ULID, so ids sort by creation order."""

from __future__ import annotations

import os
import threading
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lowercase
_RANDOM_BITS = 80
_lock = threading.Lock()
_last = (0, 0)


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, rem = divmod(value, 32)
        chars.append(_ALPHABET[rem])
    return "".join(reversed(chars))


def new_id(prefix: str) -> str:
    """`prefix_` + 26 characters: 48-bit millisecond time then 80 random bits. Within one
    millisecond the random part is incremented (monotonic ULID), so ids sort by creation."""
    global _last
    millis = time.time_ns() // 1_000_000
    with _lock:
        last_millis, last_random = _last
        if millis <= last_millis and last_random + 1 < 2**_RANDOM_BITS:
            millis, randomness = last_millis, last_random + 1
        else:
            randomness = int.from_bytes(os.urandom(_RANDOM_BITS // 8), "big")
        _last = (millis, randomness)
    return f"{prefix}_{_encode(millis, 10)}{_encode(randomness, 16)}"

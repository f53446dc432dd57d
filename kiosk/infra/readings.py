"""The Hanyu readings of CJK ideographs, from the table shipped in ``assets/hanzi-readings.txt``
(generated from pypinyin by ``tools/make_assets.py``; pypinyin is a test dependency only).

The table is a few hundred lines, one per toneless reading followed by every ideograph read so
on its own, and then the phrases whose reading differs from their characters' own. It is kept
as one string of ideographs and the offsets where each reading's run starts, so a look-up is one
``str.find`` and a bisection, and the whole table costs about 0.2 MiB (pypinyin's dictionaries
took ≈ 55 MiB and 0.3 s to import).
"""

from __future__ import annotations

from bisect import bisect_right
from functools import cache
from pathlib import Path

TABLE = Path(__file__).with_name("assets") / "hanzi-readings.txt"


@cache
def _table() -> tuple[str, list[int], list[str], dict[str, tuple[str, ...]], int]:
    chars: list[str] = []
    starts: list[int] = []
    readings: list[str] = []
    phrases: dict[str, tuple[str, ...]] = {}
    at = 0
    in_phrases = False
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        if line == "=":
            in_phrases = True
            continue
        head, _, rest = line.partition(" ")
        if in_phrases:
            phrases[head] = tuple(rest.split())
        else:
            readings.append(head)
            starts.append(at)
            chars.append(rest)
            at += len(rest)
    longest = max(map(len, phrases), default=1)
    return "".join(chars), starts, readings, phrases, longest


def reading(char: str) -> str | None:
    """The toneless reading of one ideograph on its own (``"張"`` → ``"zhang"``), or None."""
    if len(char) != 1:
        return None
    chars, starts, readings, _, _ = _table()
    at = chars.find(char)
    return None if at < 0 else readings[bisect_right(starts, at) - 1]


def read(text: str) -> list[str] | None:
    """Readings of ``text``, one per character, or None when one has none.

    Phrases are found as pypinyin finds them in a name (the longest listed phrase starting at
    each position, left to right): 重光 → chong guang, though 重 alone is zhong.
    """
    _, _, _, phrases, longest = _table()
    out: list[str] = []
    at = 0
    while at < len(text):
        for size in range(min(longest, len(text) - at), 1, -1):
            found = phrases.get(text[at : at + size])
            if found is not None:
                out.extend(found)
                at += size
                break
        else:
            single = reading(text[at])
            if single is None:
                return None
            out.append(single)
            at += 1
    return out

"""Captcha challenges: 5 digits, as on the portal, drawn in half blocks from glyphs of our own.

* **Glyphs that cannot be confused.** The digits used to be drawn by the ``captcha`` library
  (a font, rotated and warped, then box-filtered down to the cell grid); at 48 columns its
  strokes could merge, and 1 of 10 codes was misread (a 7 filled into a blob; issue 12). Now
  each digit is an 8x12-pixel glyph drawn for this grid (:data:`GLYPHS`): strokes two pixels
  thick, open counters, a 7 with a lone slanted stem, a 4 with an open top, a 1 with a foot —
  and any two glyphs differ in at least :data:`MIN_GLYPH_DISTANCE` pixels, which a test keeps
  true. Nothing is resampled: every pixel drawn is a glyph's own.
* **Variation.** Each picture places the digits with a random left margin, random gaps (one to
  three blank columns) and a random vertical offset per digit (0 to 4 pixels), so two pictures
  of the same code differ and no digit sits on a fixed grid.
* **Terminal rendering.** A terminal cell is about twice as tall as wide, so it shows two
  vertical pixels as ``' '``, ``'▀'``, ``'▄'`` or ``'█'``: 48 columns x 8 lines (16 pixels).
* **Deterministic drawings for tests.** :func:`render_text` with ``seed=`` draws from
  ``random.Random(seed)``; without one, from ``secrets.SystemRandom``.
* **Single-use challenges.** :class:`Captcha` consumes its challenge on every
  :meth:`Captcha.verify`, right or wrong, so an answer cannot be replayed and every failure gets a
  new picture. Typed answers are forgiving about what a Chinese IME produces: full-width digits and
  any spaces (including U+3000) are accepted.

The security is the challenge's, as before: 5 digits (100,000 codes), single use, expiring,
renewed after every failure, and a wrong code costs no database work. The picture keeps people
honest at a kiosk; it was never a defence against software reading the screen.
"""

from __future__ import annotations

import hmac
import random
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

AnswerSource = Callable[[], str]
"""Returns the 5 digits of the next challenge. Injected from Python only (tests), never from env."""

ANSWER_LENGTH = 5
ROWS = 8
"""Cell rows of every picture (16 pixels)."""
GLYPH_WIDTH = 8
GLYPH_HEIGHT = 12
MIN_GAP, MAX_GAP = 1, 2
"""Blank pixel columns between two digits (random per gap)."""
MIN_COLUMNS = ANSWER_LENGTH * GLYPH_WIDTH + (ANSWER_LENGTH - 1) * MAX_GAP
DEFAULT_COLUMNS = 48
DEFAULT_TTL_SECONDS = 180.0
HALF_BLOCKS = " ▀▄█"
"""The four cell characters, indexed by ``top + 2 * bottom`` (1 = ink)."""
MIN_GLYPH_DISTANCE = 16
"""Any two digits' glyphs differ in at least this many pixels (tests/unit/test_captcha.py)."""

# fmt: off
GLYPHS: dict[str, tuple[str, ...]] = {
    "0": (
        "..####..",
        ".##..##.",
        "##....##",
        "##....##",
        "##....##",
        "##....##",
        "##....##",
        "##....##",
        "##....##",
        "##....##",
        ".##..##.",
        "..####..",
    ),
    "1": (
        "...##...",
        "..###...",
        ".####...",
        "...##...",
        "...##...",
        "...##...",
        "...##...",
        "...##...",
        "...##...",
        "...##...",
        "...##...",
        ".######.",
    ),
    "2": (
        "..####..",
        ".##..##.",
        "##....##",
        "......##",
        ".....##.",
        "....##..",
        "...##...",
        "..##....",
        ".##.....",
        "##......",
        "##......",
        "########",
    ),
    "3": (
        ".######.",
        "##....##",
        "......##",
        "......##",
        ".....##.",
        "..####..",
        ".....##.",
        "......##",
        "......##",
        "......##",
        "##....##",
        ".######.",
    ),
    "4": (
        ".....##.",
        "....###.",
        "...####.",
        "..##.##.",
        ".##..##.",
        "##...##.",
        "##...##.",
        "########",
        ".....##.",
        ".....##.",
        ".....##.",
        ".....##.",
    ),
    "5": (
        "########",
        "##......",
        "##......",
        "##......",
        "######..",
        ".....##.",
        "......##",
        "......##",
        "......##",
        "......##",
        "##...##.",
        ".#####..",
    ),
    "6": (
        "...###..",
        "..##....",
        ".##.....",
        "##......",
        "##......",
        "#######.",
        "##....##",
        "##....##",
        "##....##",
        "##....##",
        ".##..##.",
        "..####..",
    ),
    "7": (
        "########",
        "......##",
        "......##",
        ".....##.",
        ".....##.",
        "....##..",
        "....##..",
        "...##...",
        "...##...",
        "..##....",
        "..##....",
        "..##....",
    ),
    "8": (
        "..####..",
        ".##..##.",
        "##....##",
        ".##..##.",
        "..####..",
        ".##..##.",
        "##....##",
        "##....##",
        "##....##",
        "##....##",
        ".##..##.",
        "..####..",
    ),
    "9": (
        "..####..",
        ".##..##.",
        "##....##",
        "##....##",
        "##....##",
        "##....##",
        ".#######",
        "......##",
        "......##",
        ".....##.",
        "....##..",
        "..###...",
    ),
}
# fmt: on
"""Each digit as 12 rows of 8 pixels (``#`` = ink), drawn for the half-block grid."""

_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def random_answer() -> str:
    """The default :data:`AnswerSource`: 5 digits from ``secrets``, leading zeros included."""
    return f"{secrets.randbelow(10**ANSWER_LENGTH):0{ANSWER_LENGTH}d}"


def is_answer(text: str) -> bool:
    """Whether ``text`` is exactly 5 ASCII digits."""
    return len(text) == ANSWER_LENGTH and text.isascii() and text.isdecimal()


def normalize_answer(text: str) -> str:
    """What the candidate meant to type: full-width digits made ASCII, all spaces removed."""
    return "".join(text.translate(_FULL_WIDTH_DIGITS).split())


@dataclass(frozen=True)
class Challenge:
    """One captcha picture and its answer.

    Attributes:
        answer: The 5 digits; kept out of ``repr()`` so logs and tracebacks do not show it.
        issued_at: When it was made, on the owning :class:`Captcha`'s clock.
        lines: The picture as half-block rows, all the same width.
    """

    answer: str = field(repr=False)
    issued_at: float
    lines: tuple[str, ...]


class Captcha:
    """The current challenge of one screen, single use and expiring.

    Thread-safe: the UI reads :attr:`challenge` while a worker may call :meth:`verify`.

    Args:
        source: Makes the answer of each challenge; default :func:`random_answer`.
        ttl_seconds: A challenge older than this is refused.
        clock: Monotonic seconds; injectable for tests.
        columns: Width of the drawing in terminal cells.
        seed: Draw every challenge with this seed (same answer, same picture), for snapshot tests
            only: a seeded picture's distortion is predictable.

    Raises:
        ValueError: ``ttl_seconds`` is not positive or ``columns`` is under 16.
    """

    def __init__(
        self,
        source: AnswerSource | None = None,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        columns: int = DEFAULT_COLUMNS,
        seed: int | None = None,
    ) -> None:
        if not ttl_seconds > 0:
            raise ValueError("ttl_seconds must be positive")
        if columns < MIN_COLUMNS:
            raise ValueError(f"columns must be at least {MIN_COLUMNS}")
        self._source = source or random_answer
        self._ttl_seconds = ttl_seconds
        self._clock = clock
        self._columns = columns
        self._seed = seed
        self._current: Challenge | None = None
        self._lock = threading.Lock()

    @property
    def challenge(self) -> Challenge:
        """The challenge to show; made (and drawn) on first access and after each verify."""
        with self._lock:
            if self._current is None:
                self._current = self._issue()
            return self._current

    def refresh(self) -> Challenge:
        """Replace the challenge now (the candidate asked for another picture)."""
        with self._lock:
            self._current = self._issue()
            return self._current

    def verify(self, text: str) -> bool:
        """Check a typed answer, consuming the challenge whatever the outcome.

        The next read of :attr:`challenge` makes a new one, so a right answer cannot be replayed
        and a wrong one gets a new picture. Never raises.

        Args:
            text: What the candidate typed; spaces and full-width digits are fine.

        Returns:
            ``True`` only for the right digits of a challenge that was shown and has not expired.
        """
        with self._lock:
            current, self._current = self._current, None
        if current is None or not isinstance(text, str):
            return False
        if self._clock() - current.issued_at > self._ttl_seconds:
            return False
        typed = normalize_answer(text)
        if not is_answer(typed):
            return False
        return hmac.compare_digest(typed.encode("ascii"), current.answer.encode("ascii"))

    def _issue(self) -> Challenge:
        answer = self._source()
        if not isinstance(answer, str) or not is_answer(answer):
            raise ValueError("a captcha source must return 5 ASCII digits")
        lines = render_text(answer, self._columns, seed=self._seed)
        return Challenge(answer=answer, issued_at=self._clock(), lines=lines)


def render_text(
    answer: str, columns: int = DEFAULT_COLUMNS, *, seed: int | None = None
) -> tuple[str, ...]:
    """Draw ``answer`` (digits) from :data:`GLYPHS` and turn it into half-block rows.

    Args:
        answer: The digits to draw (5 in the kiosk; 1 to 5 work).
        columns: Width in terminal cells, at least :data:`MIN_COLUMNS`; extra columns widen
            the margins. Always :data:`ROWS` rows.
        seed: When given, the margins, gaps and offsets come from ``random.Random(seed)``, so
            the same answer and seed always give the same rows.

    Returns:
        The rows, each ``columns`` cells of ``' '``, ``'▀'``, ``'▄'`` and ``'█'``.

    Raises:
        ValueError: ``answer`` is empty, longer than 5 or not ASCII digits, or ``columns`` is
            under :data:`MIN_COLUMNS`.
    """
    if not answer or len(answer) > ANSWER_LENGTH or not (answer.isascii() and answer.isdigit()):
        raise ValueError("answer must be 1 to 5 ASCII digits")
    if columns < MIN_COLUMNS:
        raise ValueError(f"columns must be at least {MIN_COLUMNS}")
    rng: random.Random = random.Random(seed) if seed is not None else secrets.SystemRandom()
    gaps = [rng.randint(MIN_GAP, MAX_GAP) for _ in answer[1:]]
    used = GLYPH_WIDTH * len(answer) + sum(gaps)
    spare = columns - used
    x = rng.randint(0, spare) if spare > 0 else 0
    pixels = [[0] * columns for _ in range(2 * ROWS)]
    for index, digit in enumerate(answer):
        top = rng.randint(0, 2 * ROWS - GLYPH_HEIGHT)
        for dy, row in enumerate(GLYPHS[digit]):
            for dx, mark in enumerate(row):
                if mark == "#" and 0 <= x + dx < columns:
                    pixels[top + dy][x + dx] = 1
        x += GLYPH_WIDTH + (gaps[index] if index < len(gaps) else 0)
    return tuple(
        "".join(HALF_BLOCKS[t + 2 * b] for t, b in zip(upper, lower, strict=True))
        for upper, lower in zip(pixels[0::2], pixels[1::2], strict=True)
    )


def glyph_distance(a: str, b: str) -> int:
    """How many of the 8x12 pixels two digits' glyphs differ in."""
    return sum(
        p != q
        for row_a, row_b in zip(GLYPHS[a], GLYPHS[b], strict=True)
        for p, q in zip(row_a, row_b, strict=True)
    )

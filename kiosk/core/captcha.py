"""Captcha challenges: 5 digits, as on the portal, drawn by the ``captcha`` library in half blocks.

The drawing is the library's (``ImageCaptcha``, DroidSansMono, rotation and warp per digit). What is
hand-written here, and why:

* **Terminal rendering.** The image is drawn white on black (a black foreground draws no text)
  with the mild distortion measured readable here at about 48 columns, box-filtered down to the
  cell grid and thresholded: each terminal cell shows two vertical pixels as ``' '``, ``'▀'``,
  ``'▄'`` or ``'█'``. A cell is about twice as tall as wide, so each half-cell pixel is square and
  the grid keeps the image's aspect: 48 columns x 8 lines for the 220x70 image. There is no noise
  (dots, arc): at this resolution it only blots the digits.
* **Gaps between digits.** The library pastes the digits edge to edge; after downscaling, touching
  digits merge into one blob. Each digit gets a 6-pixel transparent margin, and the image is 220
  pixels wide instead of 200 so that the last digit is not clipped.
* **Deterministic drawings for tests.** captcha 0.7.1 draws with the ``secrets`` module, which
  cannot be seeded. :func:`render_text` with ``seed=`` runs the library's own drawing code (the same
  functions, rebound to a private copy of the module's globals) with ``secrets`` replaced by a
  seeded ``random.Random``, so snapshot tests see the same picture every run, and one drawn exactly
  as production draws it. Without a seed, the stand-in uses ``secrets.SystemRandom``. The library's
  module is never modified. A seeded drawing is only stable for one Pillow/FreeType build.
* **Single-use challenges.** :class:`Captcha` consumes its challenge on every
  :meth:`Captcha.verify`, right or wrong, so an answer cannot be replayed and every failure gets a
  new picture. Typed answers are forgiving about what a Chinese IME produces: full-width digits and
  any spaces (including U+3000) are accepted.

PIL and ``captcha`` are imported on the first drawing, not with this module: kiosk start-up time
is measured, and the login screen can show before the first challenge is drawn.
"""

from __future__ import annotations

import functools
import hmac
import random
import secrets
import threading
import time
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from captcha.image import ImageCaptcha
    from PIL.Image import Image

AnswerSource = Callable[[], str]
"""Returns the 5 digits of the next challenge. Injected from Python only (tests), never from env."""

ANSWER_LENGTH = 5
DEFAULT_COLUMNS = 48
MIN_COLUMNS = 16
DEFAULT_TTL_SECONDS = 180.0
HALF_BLOCKS = " ▀▄█"
"""The four cell characters, indexed by ``top + 2 * bottom`` (1 = ink)."""

IMAGE_SIZE = (220, 70)
FONT_SIZE = 60
DIGIT_GAP = 6
INK_THRESHOLD = 128
"""A downscaled pixel with at least this grey level (0–255) is ink."""

_WHITE = (255, 255, 255)
_BLACK = (0, 0, 0)
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")

_T = TypeVar("_T")
_INK_LUT = [0 if level < INK_THRESHOLD else 1 for level in range(256)]


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
    """Draw ``answer`` with the captcha library and turn it into half-block rows.

    Args:
        answer: The text to draw (5 digits in the kiosk; any printable text works).
        columns: Width in terminal cells; the number of rows follows from the image's aspect
            (8 rows at 48 columns).
        seed: When given, the library's distortion is drawn from ``random.Random(seed)``, so the
            same answer and seed always give the same rows.

    Returns:
        The rows, each ``columns`` cells of ``' '``, ``'▀'``, ``'▄'`` and ``'█'``.

    Raises:
        ValueError: ``answer`` is empty or not printable, or ``columns`` is under 16.
    """
    if not answer or not answer.isprintable():
        raise ValueError("answer must be non-empty printable text")
    if columns < MIN_COLUMNS:
        raise ValueError(f"columns must be at least {MIN_COLUMNS}")
    from PIL.Image import Resampling

    width, height = IMAGE_SIZE
    rows = max(1, round(columns * height / width / 2))
    grey = _draw(answer, seed).convert("L").resize((columns, 2 * rows), Resampling.BOX)
    return _half_blocks(grey.point(_INK_LUT).tobytes(), columns, rows)


def _half_blocks(ink: bytes, columns: int, rows: int) -> tuple[str, ...]:
    """Pair pixel rows into cell rows; ``ink`` holds one 0/1 byte per pixel, row by row."""
    lines = []
    for row in range(rows):
        top = ink[2 * row * columns : (2 * row + 1) * columns]
        bottom = ink[(2 * row + 1) * columns : (2 * row + 2) * columns]
        lines.append("".join(HALF_BLOCKS[t + 2 * b] for t, b in zip(top, bottom, strict=True)))
    return tuple(lines)


class _Randomness:
    """Stands in for the ``secrets`` module inside the library's drawing functions.

    captcha 0.7.1 calls ``secrets.randbelow``, ``secrets.randbits`` and ``secrets.choice``; they
    are answered from :attr:`rng`, which :func:`_draw` sets (under its lock) for each drawing.
    """

    def __init__(self) -> None:
        self.system = secrets.SystemRandom()
        self.rng: random.Random = self.system

    def randbelow(self, n: int) -> int:
        return self.rng.randrange(n)

    def randbits(self, k: int) -> int:
        return self.rng.getrandbits(k)

    def choice(self, seq: Sequence[_T]) -> _T:
        return self.rng.choice(seq)


_randomness = _Randomness()
_draw_lock = threading.Lock()


def _draw(answer: str, seed: int | None) -> Image:
    drawer = _drawer()
    with _draw_lock:
        _randomness.rng = random.Random(seed) if seed is not None else _randomness.system
        try:
            return drawer.create_captcha_image(answer, _WHITE, _BLACK)
        finally:
            _randomness.rng = _randomness.system


@functools.cache
def _drawer() -> ImageCaptcha:
    """Build the tuned ``ImageCaptcha`` once (it loads the font), importing PIL and captcha now."""
    import captcha.image as library
    from PIL import Image

    namespace = dict(vars(library))
    namespace["secrets"] = _randomness

    def rebind(function: Callable[..., Any]) -> Any:
        """The library's function, looking its globals (and so ``secrets``) up in ``namespace``."""
        code = function.__code__
        copy = types.FunctionType(code, namespace, code.co_name, function.__defaults__)
        copy.__qualname__ = function.__qualname__
        return copy

    library_draw_character = rebind(library.ImageCaptcha._draw_character)

    class TerminalImageCaptcha(library.ImageCaptcha):
        character_rotate = (-12, 12)
        character_warp_dx = (0.05, 0.12)
        character_warp_dy = (0.05, 0.12)
        word_space_probability = 1.0  # never insert a random space between digits
        word_offset_dx = 0.0  # never overlap digits

        create_captcha_image = rebind(library.ImageCaptcha.create_captcha_image)

        def _draw_character(self, c: str, draw: Any, color: Any) -> Any:
            glyph = library_draw_character(self, c, draw, color)
            padded = Image.new("RGBA", (glyph.width + DIGIT_GAP, glyph.height))
            padded.paste(glyph, (DIGIT_GAP // 2, 0))
            return padded

    return TerminalImageCaptcha(*IMAGE_SIZE, font_sizes=(FONT_SIZE,))

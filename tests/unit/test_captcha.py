"""kiosk.core.captcha: single-use challenges, tolerant answers, half-block drawings."""

from __future__ import annotations

import itertools
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.core.captcha import (
    GLYPH_HEIGHT,
    GLYPH_WIDTH,
    GLYPHS,
    HALF_BLOCKS,
    MIN_COLUMNS,
    MIN_GLYPH_DISTANCE,
    ROWS,
    Captcha,
    Challenge,
    glyph_distance,
    is_answer,
    normalize_answer,
    random_answer,
    render_text,
)

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def answers(*fixed: str) -> Iterator[str]:
    """The given answers, then distinct made-up ones."""
    yield from fixed
    for n in itertools.count(10_000):
        yield f"{n:05d}"


def make(
    *fixed: str,
    clock: Callable[[], float] = time.monotonic,
    ttl_seconds: float = 180.0,
    columns: int = 48,
) -> Captcha:
    """A seeded captcha (cheap to compare drawings) whose source yields ``fixed`` first."""
    source = answers(*fixed)
    return Captcha(
        lambda: next(source), clock=clock, ttl_seconds=ttl_seconds, columns=columns, seed=0
    )


def column_groups(lines: tuple[str, ...]) -> int:
    """Runs of columns holding ink, separated by at least one blank column."""
    inked = [any(line[i] != " " for line in lines) for i in range(len(lines[0]))]
    return sum(1 for i, ink in enumerate(inked) if ink and (i == 0 or not inked[i - 1]))


def ink_share(lines: tuple[str, ...]) -> float:
    cells = [ch for line in lines for ch in line]
    return sum(ch != " " for ch in cells) / len(cells)


# --- answers -------------------------------------------------------------------------------------


def test_random_answer_is_five_digits() -> None:
    drawn = {random_answer() for _ in range(500)}
    assert all(is_answer(a) for a in drawn)
    assert len(drawn) > 400


@pytest.mark.parametrize(
    "typed",
    [
        "53949",
        " 53949 ",
        "5 3 9 4 9",
        "５３９４９",
        "５３　９４９",
        "\u300053949\u3000",
        "53\t949\n",
        "5３9４9",
    ],
)
def test_verify_tolerates_spaces_and_full_width_digits(typed: str) -> None:
    captcha = make("53949")
    captcha.challenge  # noqa: B018 -- shown to the candidate
    assert captcha.verify(typed)


@pytest.mark.parametrize(
    "typed", ["", "5394", "539499", "53948", "abcde", "53949x", "5-3949", "①3949"]
)
def test_verify_refuses_wrong_answers(typed: str) -> None:
    captcha = make("53949")
    captcha.challenge  # noqa: B018
    assert not captcha.verify(typed)


def test_normalize_answer() -> None:
    assert normalize_answer(" ５３ 9\u3000４9 ") == "53949"
    assert not is_answer("５３９４９")
    assert not is_answer("²3949")


def test_right_answer_cannot_be_replayed() -> None:
    captcha = make("53949")
    assert captcha.challenge.answer == "53949"
    assert captcha.verify("53949")
    assert not captcha.verify("53949")
    assert captcha.challenge.answer != "53949"
    assert not captcha.verify("53949")


def test_failure_renews_the_challenge() -> None:
    captcha = make("53949", "12345")
    first = captcha.challenge
    assert not captcha.verify("00000")
    second = captcha.challenge
    assert second is not first
    assert second.answer == "12345"
    assert not captcha.verify("53949")  # the old answer is gone too


def test_verify_before_any_challenge_was_shown() -> None:
    captcha = make("53949")
    assert not captcha.verify("53949")


def test_refresh_replaces_the_challenge() -> None:
    captcha = make("53949", "12345")
    first = captcha.challenge
    second = captcha.refresh()
    assert second is not first and captcha.challenge is second
    assert not captcha.verify("53949")


def test_expiry_with_an_injected_clock() -> None:
    clock = FakeClock()
    captcha = make("11111", "22222", clock=clock, ttl_seconds=180)
    assert captcha.challenge.issued_at == 1000.0
    clock.now += 180
    assert captcha.verify("11111")  # exactly at the limit is still in time
    captcha.challenge  # noqa: B018
    clock.now += 180.5
    assert not captcha.verify("22222")


def test_the_clock_starts_when_the_challenge_is_made() -> None:
    clock = FakeClock()
    captcha = make("11111", clock=clock, ttl_seconds=10)
    clock.now += 60  # the captcha sat unused before anything was shown
    assert captcha.challenge.issued_at == 1060.0
    assert captcha.verify("11111")


def test_answer_is_kept_out_of_repr() -> None:
    captcha = make("53949")
    assert "53949" not in repr(captcha.challenge)
    assert isinstance(captcha.challenge, Challenge)


def test_constructing_draws_nothing() -> None:
    calls: list[int] = []

    def source() -> str:
        calls.append(1)
        return "53949"

    captcha = Captcha(source)
    assert calls == []
    captcha.challenge  # noqa: B018
    captcha.challenge  # noqa: B018
    assert calls == [1]


def test_a_bad_source_is_refused() -> None:
    captcha = Captcha(lambda: "1234")
    with pytest.raises(ValueError):
        captcha.challenge  # noqa: B018
    with pytest.raises(ValueError):
        Captcha(ttl_seconds=0)
    with pytest.raises(ValueError):
        Captcha(columns=8)


def test_only_one_of_racing_right_answers_wins() -> None:
    captcha = make("53949")
    captcha.challenge  # noqa: B018
    start = threading.Barrier(8)
    results: list[bool] = []

    def attempt() -> None:
        start.wait()
        results.append(captcha.verify("53949"))

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]


@settings(max_examples=150, deadline=None)
@given(st.text())
def test_verify_never_raises(typed: str) -> None:
    captcha = make("53949")
    captcha.challenge  # noqa: B018
    assert captcha.verify(typed) is (normalize_answer(typed) == "53949")


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.booleans(), st.text(alphabet=" \u3000\t", max_size=2)),
        min_size=5,
        max_size=5,
    ),
    st.text(alphabet=" \u3000", max_size=3),
)
def test_any_spacing_and_width_of_the_right_digits_verifies(
    decorations: list[tuple[bool, str]], lead: str
) -> None:
    answer = "53949"
    typed = lead + "".join(
        (digit.translate(FULL_WIDTH) if wide else digit) + space
        for digit, (wide, space) in zip(answer, decorations, strict=True)
    )
    captcha = make(answer)
    captcha.challenge  # noqa: B018
    assert captcha.verify(typed)


# --- drawings ------------------------------------------------------------------------------------


@pytest.mark.parametrize("columns", [48, 60, 80])
def test_lines_are_rectangular_half_blocks(columns: int) -> None:
    lines = render_text("53949", columns)
    assert len(lines) == ROWS == 8
    assert all(len(line) == columns for line in lines)
    assert set("".join(lines)) <= set(HALF_BLOCKS)


def test_too_narrow_or_not_digits_is_refused() -> None:
    with pytest.raises(ValueError):
        render_text("53949", MIN_COLUMNS - 1)
    with pytest.raises(ValueError):
        Captcha(columns=MIN_COLUMNS - 1)
    for bad in ("", "123456", "12a45", "１２３４５"):
        with pytest.raises(ValueError):
            render_text(bad)


def test_challenge_lines_follow_columns() -> None:
    lines = make("53949", columns=60).challenge.lines
    assert len(lines) == 8 and {len(line) for line in lines} == {60}


def test_seeded_drawings_repeat() -> None:
    assert render_text("53949", seed=7) == render_text("53949", seed=7)
    assert render_text("53949", seed=7) != render_text("53949", seed=8)
    assert make("53949").challenge.lines == make("53949").challenge.lines


def test_unseeded_drawings_vary() -> None:
    assert len({render_text("53949") for _ in range(5)}) > 1


def pixels(lines: tuple[str, ...]) -> list[list[int]]:
    """The half-block rows back as pixel rows (1 = ink)."""
    top = {" ": 0, "▀": 1, "▄": 0, "█": 1}
    bottom = {" ": 0, "▀": 0, "▄": 1, "█": 1}
    rows: list[list[int]] = []
    for line in lines:
        rows.append([top[ch] for ch in line])
        rows.append([bottom[ch] for ch in line])
    return rows


def read_back(lines: tuple[str, ...]) -> str:
    """Read a picture as a person reading the glyphs would: left to right, the 8-pixel band that
    is exactly one digit's glyph (at some height) and nothing else. Two digits matching the same
    band would be a confusion: it fails the test."""
    image = pixels(lines)
    height, width = len(image), len(image[0])
    glyphs = {d: [[int(c == "#") for c in row] for row in rows] for d, rows in GLYPHS.items()}
    read, x = "", 0
    while x + GLYPH_WIDTH <= width:
        band = [row[x : x + GLYPH_WIDTH] for row in image]
        found = {
            digit
            for digit, glyph in glyphs.items()
            for top in range(height - GLYPH_HEIGHT + 1)
            if band[top : top + GLYPH_HEIGHT] == glyph
            and not any(any(row) for row in band[:top] + band[top + GLYPH_HEIGHT :])
        }
        assert len(found) <= 1, (found, lines)
        if found:
            read += found.pop()
            x += GLYPH_WIDTH
        else:
            x += 1
    return read


def test_no_two_glyphs_are_alike() -> None:
    """Issue 12: 1 of 10 codes was misread (a 7 filled into a blob). Every digit is drawn from a
    glyph of its own, and any two glyphs differ in many pixels."""
    assert set(GLYPHS) == set("0123456789")
    for digit, rows in GLYPHS.items():
        assert len(rows) == GLYPH_HEIGHT and {len(row) for row in rows} == {GLYPH_WIDTH}, digit
    for a, b in itertools.combinations(GLYPHS, 2):
        assert glyph_distance(a, b) >= MIN_GLYPH_DISTANCE >= 16, (a, b)


@pytest.mark.parametrize("seeded", [True, False])
def test_every_digit_on_the_picture_is_its_own_glyph_and_apart(seeded: bool) -> None:
    """Nothing merges, clips or blurs a digit: each is read back exactly, five groups of ink."""
    rng = random.Random(2026)
    for seed in range(300):
        answer = f"{rng.randrange(100_000):05d}"
        lines = render_text(answer, seed=seed if seeded else None)
        assert read_back(lines) == answer
        assert column_groups(lines) == 5, (answer, lines)
        assert 0.15 <= ink_share(lines) <= 0.60, (answer, lines)


def test_digits_do_not_sit_on_a_fixed_grid() -> None:
    """Margins, gaps and heights vary between pictures of the same code."""
    drawings = {render_text("77777", seed=seed) for seed in range(20)}
    assert len(drawings) == 20
    heights = {next(i for i, row in enumerate(pixels(d)) if any(row)) for d in drawings}
    assert len(heights) > 1


def test_import_is_cheap() -> None:
    code = (
        "import sys, kiosk.core.captcha, kiosk.core.passwords;"
        "print(sorted(m for m in ('PIL', 'captcha', 'textual') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

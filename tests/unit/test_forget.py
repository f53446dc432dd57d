"""kiosk.ui.widgets.forget: the private caches it empties are still where it looks for them."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from textual._styles_cache import StylesCache
from textual.color import Color

from kiosk.ui.widgets.forget import PRIVATE_CACHES, forget_rendered_text, private_cache


@pytest.mark.parametrize(("module", "path"), PRIVATE_CACHES)
def test_every_cache_it_empties_still_exists(module: str, path: str) -> None:
    """Fails loudly after an upgrade that moved one: find where it went, update the list."""
    assert private_cache(module, path) is not None, f"{module}.{path} is gone"


def test_a_missing_cache_is_skipped_not_a_crash() -> None:
    assert private_cache("textual._styles_cache", "StylesCache.no_such_cache") is None
    assert private_cache("no_such_module_here", "cache") is None


def test_forgetting_empties_what_drawing_text_filled() -> None:
    cell_len("wang.xiaoming@example.com")
    StylesCache().get_inner_outer(Color(1, 2, 3), Color(4, 5, 6))
    caches = [private_cache(module, path) for module, path in PRIVATE_CACHES]
    assert all(cache.cache_info().currsize > 0 for cache in caches)
    forget_rendered_text()
    assert [cache.cache_info().currsize for cache in caches] == [0] * len(caches)

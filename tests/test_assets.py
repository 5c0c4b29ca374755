"""Vendored JavaScript: pinned, verified, and a clear line when it is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefbook import assets
from briefbook.render import plotly_js


def test_the_embedded_plotly_is_the_pinned_basic_bundle() -> None:
    tarball = assets.PLOTLY.tarball.read_bytes()
    assert assets.integrity(tarball) == assets.PLOTLY.integrity
    assert plotly_js().startswith("/**\n* plotly.js (basic - minified) v4.1.1")
    assert len(plotly_js().encode()) < 1.3e6


def test_integrity_is_npm_s_sha512_form() -> None:
    assert assets.integrity(b"") == ("sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXys"
                                     "P+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==")


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(assets, "VENDOR_DIR", tmp_path)
    assets.read_text.cache_clear()
    yield tmp_path
    assets.read_text.cache_clear()


def test_a_missing_bundle_says_how_to_fetch_it(elsewhere: Path) -> None:
    with pytest.raises(assets.MissingAsset) as caught:
        assets.read_text(assets.PLOTLY)
    message = str(caught.value)
    assert "\n" not in message and "make setup" in message and "plotly.js-basic-dist-min" in message


def test_a_tampered_bundle_is_refused(elsewhere: Path) -> None:
    (elsewhere / assets.PLOTLY.tarball.name).write_bytes(b"not the package")
    with pytest.raises(assets.MissingAsset, match="does not match the pinned integrity"):
        assets.read_text(assets.PLOTLY)

"""Vendored JavaScript: pinned npm packages kept in the git-ignored ``vendor/`` folder.

Briefs embed plotly.js's *basic* bundle (scatter, bar and pie traces: all the briefs draw)
instead of the full bundle the ``plotly`` package ships, which keeps a brief under 2 MB. The
accessibility tests inject axe-core. Both are npm package tarballs, fetched once by
``make setup`` (``python -m briefbook.assets``) and checked against the sha512 integrity pinned
here (``npm view NAME@VERSION dist.integrity``) every time they are read.

Fetching uses ``npm pack`` when npm is on the PATH (so npm's registry and proxy settings apply)
and otherwise downloads the same tarball from the npm registry over HTTPS.
"""

from __future__ import annotations

import base64
import hashlib
import io
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from briefbook.config import VENDOR_DIR
from briefbook.exceptions import BriefbookError

__all__ = ["ASSETS", "AXE", "PLOTLY", "Asset", "MissingAsset", "fetch", "read_text"]

REGISTRY = "https://registry.npmjs.org"


class MissingAsset(BriefbookError):
    """A vendored file is missing or does not match its pinned integrity."""


@dataclass(frozen=True)
class Asset:
    """One file inside a pinned npm package tarball."""

    package: str
    version: str
    integrity: str  # npm's dist.integrity: "sha512-" + base64 of the tarball's SHA-512
    member: str  # the file inside the tarball

    @property
    def tarball(self) -> Path:
        """Where ``npm pack`` leaves the tarball in ``vendor/``."""
        return VENDOR_DIR / f"{self.package.lstrip('@').replace('/', '-')}-{self.version}.tgz"

    @property
    def spec(self) -> str:
        return f"{self.package}@{self.version}"

    @property
    def url(self) -> str:
        """The tarball's address in the npm registry."""
        name = self.package.rsplit("/", 1)[-1]
        return f"{REGISTRY}/{self.package}/-/{name}-{self.version}.tgz"


PLOTLY = Asset("plotly.js-basic-dist-min", "4.1.1",
               "sha512-1oNF8PeQx2hv/y7tqEVWKD3JGwn/MGEMQ8mL9HUwsaqG9FGy/OU5FHUHvzqbqxN4mnwZGI9abTiE"
               "775C4kkjMQ==",
               "package/plotly-basic.min.js")
AXE = Asset("axe-core", "4.14.1",
            "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe"
            "37OgudVGtQ==",
            "package/axe.min.js")
ASSETS = (PLOTLY, AXE)
PLOTLY_TRACE_TYPES = frozenset({"scatter", "bar", "pie"})
"""The trace types the basic bundle draws; :mod:`briefbook.render` refuses any other."""


def integrity(data: bytes) -> str:
    """npm's Subresource-Integrity string of ``data`` (sha512)."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def _how_to_fetch() -> str:
    return "run `make setup` (or `python -m briefbook.assets`) to fetch it"


@cache
def read_text(asset: Asset) -> str:
    """The asset's file, after checking its tarball against the pinned integrity."""
    try:
        data = asset.tarball.read_bytes()
    except FileNotFoundError:
        raise MissingAsset(f"{asset.spec} is not in {VENDOR_DIR}: {_how_to_fetch()}") from None
    if integrity(data) != asset.integrity:
        raise MissingAsset(f"{asset.tarball} does not match the pinned integrity of "
                           f"{asset.spec}: delete it and {_how_to_fetch()}")
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        member = tar.extractfile(asset.member)
        if member is None:
            raise MissingAsset(f"{asset.tarball} has no {asset.member}")
        return member.read().decode("utf-8")


def _download(asset: Asset, folder: Path) -> Path:
    """The tarball, packed by npm or downloaded from the registry, in ``folder``."""
    npm = shutil.which("npm")
    if npm:
        subprocess.run([npm, "pack", asset.spec, "--silent", "--pack-destination", str(folder)],
                       check=True, stdout=subprocess.DEVNULL, timeout=300)
        return folder / asset.tarball.name
    target = folder / asset.tarball.name
    with urllib.request.urlopen(asset.url, timeout=120) as response:
        target.write_bytes(response.read())
    return target


def fetch(asset: Asset) -> bool:
    """Put ``asset``'s verified tarball into ``vendor/``; False when it was already there."""
    if asset.tarball.is_file() and integrity(asset.tarball.read_bytes()) == asset.integrity:
        return False
    VENDOR_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=VENDOR_DIR) as tmp:
        got = _download(asset, Path(tmp))
        found = integrity(got.read_bytes())
        if found != asset.integrity:
            raise MissingAsset(f"{asset.spec} from the registry has integrity {found}, not the "
                               f"pinned {asset.integrity}: not used")
        got.replace(asset.tarball)
    read_text.cache_clear()
    return True


def main() -> int:
    """Fetch every vendored asset that is missing; one line per asset."""
    try:
        for asset in ASSETS:
            state = "fetched" if fetch(asset) else "present"
            print(f"vendor: {asset.spec} {state} ({asset.tarball.name}, integrity verified)")
    except (MissingAsset, OSError, subprocess.SubprocessError) as exc:
        print(f"vendor: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

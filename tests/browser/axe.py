"""axe-core, the accessibility engine the browser tests inject into each page.

It comes from the npm registry as a pinned version whose tarball must match the sha512
integrity the registry published for it (pinned here, so a changed tarball is refused).
`make test` runs `python -m tests.browser.axe` to fetch and unpack axe.min.js into the
virtualenv once; the tests read it from there and never reach the network themselves.
The file is not kept in git. DEELPUNT_AXE_JS points the tests at another copy.

The tarball is fetched with `npm pack`, so npm's own settings (registry, proxy,
certificates) apply; without npm, Python fetches it from the registry that
NPM_CONFIG_REGISTRY names.

To move to a newer version: `npm view axe-core@<version> dist.integrity` and change both
values below.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

AXE_VERSION = "4.14.1"
AXE_INTEGRITY = "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
AXE_PACKAGE = f"axe-core@{AXE_VERSION}"

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PATH = ROOT / ".venv" / "axe" / "axe.min.js"


def axe_path() -> Path:
    """Where the tests read axe.min.js (DEELPUNT_AXE_JS overrides the virtualenv copy)."""
    return Path(os.environ.get("DEELPUNT_AXE_JS", DEFAULT_PATH))


def verify(tarball: bytes) -> None:
    """Refuse a tarball whose sha512 differs from the pinned npm integrity."""
    algorithm, _, expected = AXE_INTEGRITY.partition("-")
    actual = base64.b64encode(hashlib.new(algorithm, tarball).digest()).decode()
    if actual != expected:
        raise SystemExit(
            f"axe-core {AXE_VERSION}: integrity mismatch, expected {AXE_INTEGRITY}, "
            f"got {algorithm}-{actual}; refusing to use it"
        )


def extract(tarball: bytes) -> bytes:
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        member = archive.extractfile("package/axe.min.js")
        if member is None:  # pragma: no cover - a registry tarball always has it
            raise SystemExit(f"axe-core {AXE_VERSION}: no package/axe.min.js in the tarball")
        return member.read()


def download() -> bytes:
    npm = shutil.which("npm")
    if npm:
        with tempfile.TemporaryDirectory() as folder:
            subprocess.run(
                [npm, "pack", AXE_PACKAGE, "--pack-destination", folder, "--silent"],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            return (Path(folder) / f"axe-core-{AXE_VERSION}.tgz").read_bytes()
    registry = os.environ.get("NPM_CONFIG_REGISTRY")
    if not registry:
        raise SystemExit(
            f"{AXE_PACKAGE}: npm is not installed (apt-get install npm), or set "
            "NPM_CONFIG_REGISTRY to the npm registry's address"
        )
    url = f"{registry.rstrip('/')}/axe-core/-/axe-core-{AXE_VERSION}.tgz"
    with urllib.request.urlopen(url, timeout=60) as response:
        return bytes(response.read())


def fetch(target: Path) -> None:
    tarball = download()
    verify(tarball)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    partial.write_bytes(extract(tarball))
    partial.replace(target)  # a broken download never leaves a half file behind


def main() -> None:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PATH
    fetch(target)
    print(f"axe-core {AXE_VERSION} (integrity verified) -> {target}")


if __name__ == "__main__":
    main()

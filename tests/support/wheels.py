"""Build tiny pure-Python wheels with `zipfile`, byte-for-byte deterministic.

Determinism matters because index pages carry `#sha256=` fragments and tests may pin hashes: the
same spec must always produce the same bytes. Hence fixed zip timestamps/permissions, sorted entries
and ZIP_STORED (deflate output can differ between zlib builds).
"""

from __future__ import annotations

import base64
import hashlib
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

# Earliest timestamp a zip file can hold; any fixed value would do.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class WheelSpec:
    """What to put in a wheel: a project with one top-level module and optional dependencies."""

    name: str
    version: str
    requires: tuple[str, ...] = ()
    # Extra bytes in `<module>/_padding.bin`, placed before .dist-info as real wheels are laid out.
    # Without PEP 658 files uv reads metadata with a range over the wheel's last 16 KiB (and one
    # more range if METADATA lies before that); a wheel smaller than that is read from byte 0, so
    # padding exercises a realistic tail read.
    padding: int = 0
    # Console scripts (`uv tool install`, `uvx`): each name runs `<module>:main`, which prints "<name> <version>"
    # and the arguments it got.
    scripts: tuple[str, ...] = ()

    @property
    def module(self) -> str:
        return self.name.replace("-", "_").lower()

    @property
    def filename(self) -> str:
        return f"{wheel_name_part(self.name)}-{self.version}-py3-none-any.whl"


# The default wheelhouse: tinypkg pulls in tinydep, so a resolution touches two projects.
DEFAULT_WHEELS: tuple[WheelSpec, ...] = (
    WheelSpec("tinypkg", "1.0", ("tinydep>=1",)),
    WheelSpec("tinydep", "1.0"),
    WheelSpec("otherpkg", "2.0"),
)
# For `uv tool install` / `uvx`: a project with a console script (and a dependency, so two projects resolve).
TOOL_WHEELS: tuple[WheelSpec, ...] = (
    WheelSpec("tinytool", "1.0", ("tinydep>=1",), scripts=("tinytool",)),
    WheelSpec("tinydep", "1.0"),
)


@dataclass(frozen=True)
class WheelFile:
    """A built wheel as an index server needs to see it."""

    path: Path
    project: str  # PEP 503-normalized project name
    version: str
    sha256: str  # hex digest of the whole wheel
    metadata: bytes  # the .dist-info/METADATA bytes, served as the PEP 658 `.metadata` file

    @property
    def filename(self) -> str:
        return self.path.name

    @property
    def metadata_sha256(self) -> str:
        return hashlib.sha256(self.metadata).hexdigest()


def normalize(name: str) -> str:
    """PEP 503 project-name normalization."""
    return re.sub(r"[-_.]+", "-", name).lower()


def wheel_name_part(name: str) -> str:
    """The distribution-name component of a wheel filename (PEP 427 escaping)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode("ascii")


def _metadata(spec: WheelSpec) -> bytes:
    lines = ["Metadata-Version: 2.1", f"Name: {spec.name}", f"Version: {spec.version}"]
    lines += [f"Requires-Dist: {req}" for req in spec.requires]
    return ("\n".join(lines) + "\n").encode()


def _files(spec: WheelSpec) -> dict[str, bytes]:
    """Archive members except RECORD, in write order."""
    dist_info = f"{wheel_name_part(spec.name)}-{spec.version}.dist-info"
    wheel = "Wheel-Version: 1.0\nGenerator: uvauth-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    init = f'VERSION = "{spec.version}"\n'
    if spec.scripts:
        init += (
            "\n\ndef main():\n    import os, sys\n"
            "    print(os.path.basename(sys.argv[0]), VERSION, *sys.argv[1:])\n"
        )
    files = {f"{spec.module}/__init__.py": init.encode()}
    if spec.padding:
        files[f"{spec.module}/_padding.bin"] = _padding(spec.padding)
    files[f"{dist_info}/METADATA"] = _metadata(spec)
    files[f"{dist_info}/WHEEL"] = wheel.encode()
    files[f"{dist_info}/top_level.txt"] = f"{spec.module}\n".encode()
    if spec.scripts:
        lines = "".join(f"{name} = {spec.module}:main\n" for name in spec.scripts)
        files[f"{dist_info}/entry_points.txt"] = f"[console_scripts]\n{lines}".encode()
    return files


def _padding(size: int) -> bytes:
    """`size` deterministic, patternless bytes (a SHA-256 counter stream)."""
    blocks = (hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(size // 32 + 1))
    return b"".join(blocks)[:size]


def build_wheel(spec: WheelSpec, dest_dir: Path) -> Path:
    """Write `spec` as a wheel into `dest_dir` and return its path."""
    files = _files(spec)
    dist_info = f"{wheel_name_part(spec.name)}-{spec.version}.dist-info"
    record_lines = [f"{name},{_record_hash(data)},{len(data)}" for name, data in files.items()]
    record_lines.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = ("\n".join(record_lines) + "\n").encode()

    dest_dir.mkdir(parents=True, exist_ok=True)
    path = dest_dir / spec.filename
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
            info.external_attr = 0o100644 << 16  # regular file, rw-r--r--
            info.create_system = 3  # Unix, so external_attr means the same everywhere
            zf.writestr(info, data)
    return path


def build_wheelhouse(dest_dir: Path, specs: tuple[WheelSpec, ...] = DEFAULT_WHEELS) -> list[Path]:
    """Build every spec into `dest_dir`."""
    return [build_wheel(spec, dest_dir) for spec in specs]


def read_wheel(path: Path) -> WheelFile:
    """Describe an existing wheel (name/version from its filename, METADATA from inside)."""
    name, version = path.name.split("-")[:2]
    with zipfile.ZipFile(path) as zf:
        metadata = zf.read(f"{name}-{version}.dist-info/METADATA")
    return WheelFile(
        path=path,
        project=normalize(name),
        version=version,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        metadata=metadata,
    )


def scan_wheelhouse(wheels_dir: Path) -> list[WheelFile]:
    """All wheels in `wheels_dir`, sorted by filename."""
    return [read_wheel(p) for p in sorted(wheels_dir.glob("*.whl"))]

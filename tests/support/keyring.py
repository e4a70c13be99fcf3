"""A fake `keyring` command for uv's `--keyring-provider subprocess`.

uv runs `keyring` from PATH in exactly two forms (crates/uv-auth/src/keyring.rs, `fetch_subprocess`):

* ``keyring get <service> <username>``: uv reads stdout, strips trailing whitespace, and uses it as the
  password.
* ``keyring get <service> --mode creds`` (no username known; uv sends this only under
  `authenticate = "always"`): uv reads the **first line of stdout as the username and the second line
  as the password**. A missing second line counts as "not found".

A non-zero exit means "not found", and stdout is ignored. Observed with uv 0.13.8 under
`authenticate = "always"`: uv asks for the index URL exactly as configured (e.g.
`http://127.0.0.1:PORT/simple/`, trailing slash kept), then `127.0.0.1:PORT`, then
`http://127.0.0.1:PORT`, stopping at the first hit.

The fake answers from a JSON store `{service: {"username": ..., "password": ...}}` and appends each
invocation's argv (JSON, one per line) to a log file so tests can assert what uv asked.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

# Runs under the test interpreter. `-I` (isolated mode) keeps PYTHON* variables and the user's site
# dir from affecting it. Paths are baked in because uv passes its environment through and a test
# may be isolating that.
_SCRIPT = '''#!{python} -I
import json, os, sys

STORE = {store!r}
LOG = {log!r}

args = sys.argv[1:]
line = (json.dumps(args) + "\\n").encode()
fd = os.open(LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
try:
    os.write(fd, line)  # a single O_APPEND write: concurrent uv lookups cannot interleave lines
finally:
    os.close(fd)

with open(STORE, encoding="utf-8") as f:
    store = json.load(f)

if len(args) == 4 and args[0] == "get" and args[2:] == ["--mode", "creds"]:
    entry = store.get(args[1])
    if entry is None:
        sys.exit(1)
    sys.stdout.write(entry["username"] + "\\n" + entry["password"] + "\\n")
elif len(args) == 3 and args[0] == "get":
    entry = store.get(args[1])
    if entry is None or entry["username"] != args[2]:
        sys.exit(1)
    sys.stdout.write(entry["password"] + "\\n")
else:
    sys.stderr.write("fake keyring: unsupported arguments: %r\\n" % (args,))
    sys.exit(2)
'''


class FakeKeyring:
    """Writes `<root>/bin/keyring`; prepend `bin_dir` to PATH for uv to find it."""

    def __init__(self, root: Path) -> None:
        self.bin_dir = root / "bin"
        self.bin_dir.mkdir(parents=True, exist_ok=True)
        self.store_path = root / "keyring-store.json"
        self.log_path = root / "keyring-calls.jsonl"
        self._store: dict[str, dict[str, str]] = {}
        self._save()
        script = self.bin_dir / "keyring"
        script.write_text(
            _SCRIPT.format(python=sys.executable, store=str(self.store_path), log=str(self.log_path))
        )
        script.chmod(0o755)

    def _save(self) -> None:
        # Write-then-rename so a concurrently running fake never reads a half-written store.
        tmp = self.store_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._store))
        os.replace(tmp, self.store_path)

    def add(self, service: str, username: str, password: str) -> None:
        """Answer lookups for `service` (a URL or `host:port`, exactly as uv asks) with these credentials."""
        self._store[service] = {"username": username, "password": password}
        self._save()

    def calls(self) -> list[list[str]]:
        """The argv (without the program name) of every invocation so far, in order."""
        if not self.log_path.exists():
            return []
        return [json.loads(line) for line in self.log_path.read_text().splitlines() if line]

    def path_with_bin(self, path: str | None) -> str:
        """`path` (a PATH value) with `bin_dir` in front."""
        return os.pathsep.join([str(self.bin_dir), *([path] if path else [])])

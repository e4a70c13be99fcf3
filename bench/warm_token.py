"""How long a warm cached provider token costs a planned uv call (uvauth.providers, read on every call that hands
uv a provider's token). A measurement, not a test: timing belongs here, never in the suite (bench/README.md).

    .venv/bin/python bench/warm_token.py [runs]

Prints the best and the median of the runs, in milliseconds; each run is a fresh interpreter with the modules a
planned call has loaded already, so only what the warm token adds is timed. The target is 2 ms.
"""

import os
import statistics
import subprocess
import sys

SCRIPT = """
import os, sys, time
from uvauth.providers.entries import normalize
data = [normalize({"index": "art", "password-command": ["never-run"], "ttl": "1h"}, source="s", file=None)]
from uvauth.providers import tokencache
from uvauth.providers.entries import Entry
entry = Entry.from_data(data[0])
digest = tokencache.key(entry.identity(), ["never-run"])
tokencache.write(tokencache.token_dir(os.environ), digest, {"entry": "art", "username": "u", "password": "p",
                 "fresh_until": time.time() + 3000})
for name in [m for m in sys.modules if m.startswith("uvauth.providers")]:
    del sys.modules[name]
# Already loaded where a warm token is read: the planner, and uv's credential search it seeds credentials with.
import json, uvauth.plan, uvauth.cache, uvauth.uv.credentials.search
started = time.perf_counter()
from uvauth.providers.lookup import Providers
found = Providers(data, os.environ).find("https://h.example/simple", "art")
print(time.perf_counter() - started, found.credentials.password)
"""


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    # Installed uvauth runs from byte-compiled modules: let the first run write them, as an installed one has.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    samples = [float(subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True,
                                    env=env).stdout.split()[0]) * 1000 for _ in range(runs)]
    print(f"warm cached token: best {min(samples):.2f} ms, median {statistics.median(samples):.2f} ms "
          f"over {runs} runs (target 2 ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

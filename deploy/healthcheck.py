"""A container's health check: exits 0 when a URL answers 200, 1 otherwise (with one line saying why).

`python deploy/healthcheck.py [URL]`, URL defaulting to $HEALTHCHECK_URL, else the action server's
readiness. The images' HEALTHCHECK and compose.yaml's healthchecks run it, since the slim Python
images have no curl. Standard library only: it runs in both images (Python 3.10 for Rasa, 3.11
for the rest). Proxy variables are ignored: the URL is always this container's own port.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

DEFAULT_URL = "http://127.0.0.1:5055/healthz"
TIMEOUT_SECONDS = 4


def healthy(url: str) -> tuple[bool, str]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=TIMEOUT_SECONDS) as response:
            return response.status == 200, f"{url} answered {response.status}"
    except urllib.error.HTTPError as error:
        return False, f"{url} answered {error.code}"
    except (urllib.error.URLError, OSError, ValueError) as error:
        return False, f"{url} did not answer ({error})"


def main(argv: list[str]) -> int:
    url = argv[1] if len(argv) > 1 else os.environ.get("HEALTHCHECK_URL", DEFAULT_URL)
    ok, why = healthy(url)
    if not ok:
        print(why, file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))

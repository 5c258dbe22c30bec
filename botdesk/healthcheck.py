"""``python -m botdesk.healthcheck``: exit 0 if the desk on this machine answers /healthz.

For container health checks (the Dockerfile's ``HEALTHCHECK``, docker-compose): the
slim image has no curl, and this reads ``WEB_HOST``/``WEB_PORT`` the way the desk does
(environment, ``.env``, ``botdesk.toml``), so it asks where the desk really listens.
``--ready`` asks /readyz instead. Only the standard library talks HTTP here.
"""

from __future__ import annotations

import argparse
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence

from core.config import ConfigError, load_settings

TIMEOUT = 4.0
# a desk listening on every interface is asked on loopback
_ANY = {"", "0.0.0.0", "::"}


def probe_url(host: str, port: int, path: str) -> str:
    """The URL that reaches a server bound to ``host:port`` from this machine."""
    if host in _ANY:
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"  # an IPv6 address
    return f"http://{host}:{port}{path}"


def main(argv: Sequence[str] | None = None) -> int:
    """Probe the desk; 0 when it answers 200, 1 otherwise (with the reason on stderr)."""
    parser = argparse.ArgumentParser(prog="python -m botdesk.healthcheck")
    parser.add_argument("--ready", action="store_true", help="ask /readyz instead of /healthz")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    url = probe_url(settings.web_host, settings.web_port, "/readyz" if args.ready else "/healthz")
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (OSError, ValueError) as exc:
        print(f"{url}: {exc}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"{url}: HTTP {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

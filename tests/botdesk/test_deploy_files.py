"""docker-compose.yml and deploy/nginx.conf: two replicas, and a proxy that reaches them.

The compose file is read with PyYAML when it is installed (it is no dependency of
botdesk: without it those tests are skipped); nginx.conf is read as text.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from botdesk.app import WEBHOOK_PATH
from botdesk.vk import VK_CALLBACK_PATH
from core.config import Settings

ROOT = Path(__file__).resolve().parents[2]
NGINX_CONF = ROOT / "deploy" / "nginx.conf"


def _nginx() -> str:
    """deploy/nginx.conf without its comments."""
    return re.sub(r"#[^\n]*", "", NGINX_CONF.read_text())


def _upstream_servers() -> list[tuple[str, int]]:
    """(host, port) of each ``server`` of the upstream that the webhook paths go to."""
    text = _nginx()
    block = re.search(r"upstream\s+botdesk\s*\{(.*?)\}", text, re.DOTALL)
    assert block, text
    return [(h, int(p)) for h, p in re.findall(r"server\s+([\w.-]+):(\d+)", block.group(1))]


def test_nginx_passes_both_webhook_paths_to_the_replicas_and_nothing_else() -> None:
    text = _nginx()
    for path in (WEBHOOK_PATH, VK_CALLBACK_PATH):
        location = re.search(rf"location\s*=\s*{re.escape(path)}\s*\{{([^}}]*)\}}", text)
        assert location, f"no location for {path} in {NGINX_CONF}"
        assert "proxy_pass http://botdesk;" in location.group(1)
    catch_all = re.search(r"location\s+/\s*\{([^}]*)\}", text)
    assert catch_all and "return 404;" in catch_all.group(1)  # probes and metrics stay inside
    # the replicas listen where botdesk listens by default
    assert _upstream_servers() == [("app", Settings.model_fields["web_port"].default)]
    assert "resolver 127.0.0.11" in text  # Docker's DNS: one address per replica


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    """docker-compose.yml, parsed."""
    yaml = pytest.importorskip("yaml", reason="PyYAML is not installed in this environment")
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def test_compose_runs_two_replicas_on_postgresql_and_redis(compose: dict[str, Any]) -> None:
    services = compose["services"]
    app = services["app"]
    assert app["deploy"]["replicas"] == 2
    assert "ports" not in app  # one fixed host port cannot serve two replicas
    assert app["command"] == ["botdesk", "run"]
    assert app["environment"]["DATABASE_URL"].startswith("postgres://")
    assert app["environment"]["REDIS_URL"].startswith("redis://redis:")
    # one migration run before the replicas, instead of two racing at their start
    assert services["migrate"]["command"] == ["botdesk", "migrate"]
    assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "profiles" not in app  # long polling is what a bare `docker compose up` runs


def test_the_webhook_profile_puts_nginx_in_front_of_the_replicas(compose: dict[str, Any]) -> None:
    services = compose["services"]
    proxy = services["proxy"]
    assert proxy["profiles"] == ["webhook"]
    assert proxy["image"].startswith("nginx:")
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in proxy["volumes"]
    assert proxy["depends_on"]["app"]["condition"] == "service_healthy"
    for host, port in _upstream_servers():
        assert host in services, f"nginx.conf sends updates to {host}, no service of compose"
        assert str(port) in services[host]["expose"]

"""docker-compose.yml cannot be started here (no Docker engine), so check what can be checked:
the file parses, every long-running service has a health check, and every setting it passes is
one the portal actually reads."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def load_compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_defines_the_portal_and_its_services_with_health_checks():
    services = load_compose()["services"]

    assert sorted(services) == ["beat", "mailcatcher", "postgres", "redis", "web", "worker", "worker-bulk"]
    assert [name for name, service in services.items() if "healthcheck" not in service] == []


def test_compose_workers_consume_every_queue_the_portal_routes_to():
    services = load_compose()["services"]
    consumed = set()
    for name in ("worker", "worker-bulk"):
        queues = re.search(r"-Q (\S+)", services[name]["command"]).group(1)
        consumed.update(queues.split(","))

    assert consumed == {"default", "bulk", "documents"}


def test_compose_sets_only_variables_that_settings_read():
    environment = load_compose()["x-portal"]["environment"]
    settings_source = (ROOT / "copolad_wg" / "settings.py").read_text()
    read_by_settings = set(
        re.findall(r"""(?:env_\w+|os\.environ\.get|environ\[)\(?\s*["'](\w+)["']""", settings_source)
    )
    read_by_settings |= {"DATABASE_URL"}  # read by dj_database_url.config()

    assert sorted(set(environment) - read_by_settings) == []


def test_dockerfile_builds_from_the_pinned_requirements():
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert "pip install -r requirements.txt" in dockerfile
    assert "npm ci" in dockerfile

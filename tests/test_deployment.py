"""docker-compose.yml cannot be started here (no Docker engine), so check what can be checked:
the file parses, every long-running service has a health check, every setting it passes is one the
portal actually reads, and the production environments (the README's and the compose file's) pass
`manage.py check --deploy` with no warning."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
# What an operator fills in (.env beside the compose file; the README's generated secret).
OPERATOR = {
    "SITE_HOST": "portal.example.org",
    "SECRET_KEY": "3f1c9a7e5b2d48c6a0e9f7b1d3c5a7e9f1b3d5c7a9e1f3b5d7c9a1e3f5b7d9c1",
    "POSTGRES_PASSWORD": "9d8c7b6a5f4e3d2c1b0a",
    "EMAIL_HOST": "smtp.example.org",
    "STORAGE_SECRET_KEY": "5e4d3c2b1a0f9e8d7c6b",
}


def load_compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def interpolate(value, variables):
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?error} substitution."""

    def replace(match):
        name, operator, argument = match.group(1), match.group(2), match.group(3)
        if variables.get(name):
            return variables[name]
        if operator == ":-":
            return argument
        if operator == ":?":
            raise AssertionError(f"compose would stop: {argument}")
        return ""

    return re.sub(r"\$\{(\w+)(?:(:-|:\?)([^}]*))?\}", replace, str(value))


def compose_environment(service="web", variables=OPERATOR):
    environment = load_compose()["services"][service]["environment"]
    return {name: interpolate(value, variables) for name, value in environment.items()}


def readme_environment(tmp_path):
    """The export lines of the README's production block; $(...) and *_FILE values made real."""
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- production-environment", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    environment = {}
    for line in block.splitlines():
        if not line.startswith("export "):
            continue
        for assignment in shlex.split(line[len("export ") :], comments=True):
            name, _, value = assignment.partition("=")
            if "$(" in value:
                value = OPERATOR[name]
            if name.endswith("_FILE"):
                secret = tmp_path / name.lower()
                secret.write_text("a-secret-from-a-file\n")
                value = str(secret)
            environment[name] = value
    return environment


def check_deploy(environment):
    base = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**base, **environment, "DJANGO_SETTINGS_MODULE": "copolad_wg.settings", "STATIC_MANIFEST": "0"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_compose_defines_the_portal_and_its_services_with_health_checks():
    services = load_compose()["services"]

    assert sorted(services) == [
        "backup",
        "beat",
        "mailcatcher",
        "postgres",
        "proxy",
        "redis",
        "storage",
        "storage-bucket",
        "web",
        "worker",
        "worker-bulk",
    ]
    # One-shot services (the bucket's creation, a backup) exit when done and are never restarted.
    long_running = {name: service for name, service in services.items() if service.get("restart") != "no"}
    assert sorted(set(services) - set(long_running)) == ["backup", "storage-bucket"]
    assert [name for name, service in long_running.items() if "healthcheck" not in service] == []


def test_compose_publishes_only_the_proxy_and_checks_web_through_healthz():
    services = load_compose()["services"]
    published = {name: service["ports"] for name, service in services.items() if service.get("ports")}

    assert published == {"proxy": ["80:80", "443:443", "443:443/udp"], "mailcatcher": ["127.0.0.1:8025:8025"]}
    assert services["mailcatcher"]["profiles"] == ["trial"]
    assert "http://localhost:8000/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    assert services["proxy"]["depends_on"] == {"web": {"condition": "service_healthy"}}
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert "health_uri /healthz" in caddyfile
    assert "max_size {$REQUEST_MAX_BODY_SIZE:5242880}" in caddyfile


def test_compose_keeps_the_database_and_media_in_named_volumes():
    compose = load_compose()

    assert {"pgdata", "media", "objects", "caddy-data"} <= set(compose["volumes"])
    assert compose["services"]["storage"]["volumes"] == ["objects:/data"]
    assert compose_environment()["AWS_S3_ENDPOINT_URL"] == "http://storage:9000"
    assert compose_environment()["AWS_STORAGE_BUCKET_NAME"] == "copolad"
    assert compose["services"]["postgres"]["volumes"] == ["pgdata:/var/lib/postgresql/data"]
    assert compose["services"]["web"]["volumes"] == ["media:/app/media"]


def test_compose_loads_the_demo_only_on_request_and_never_resets_an_existing_account():
    start = (ROOT / "deploy" / "start-web.sh").read_text()

    assert compose_environment()["DEMO"] == "0"
    assert 'if [ "${DEMO:-0}" = "1" ]; then\n    python manage.py load_demo\nfi' in start
    assert 'create_staff --email "$STAFF_EMAIL" --if-missing' in start
    assert "load_demo" not in load_compose()["services"]["web"]["command"]


def test_compose_refuses_to_start_without_the_operators_secrets():
    for missing in ("SECRET_KEY", "SITE_HOST", "POSTGRES_PASSWORD", "EMAIL_HOST", "STORAGE_SECRET_KEY"):
        variables = {name: value for name, value in OPERATOR.items() if name != missing}
        with pytest.raises(AssertionError, match="compose would stop"):
            compose_environment(variables=variables)


def test_compose_workers_consume_every_queue_the_portal_routes_to():
    services = load_compose()["services"]
    consumed = set()
    for name in ("worker", "worker-bulk"):
        queues = re.search(r"-Q (\S+)", services[name]["command"]).group(1)
        consumed.update(queues.split(","))

    assert consumed == {"default", "bulk", "documents"}


def test_compose_sets_only_variables_that_the_portal_reads():
    settings_source = (ROOT / "copolad_wg" / "settings.py").read_text()
    read = set(re.findall(r"""(?:env_\w+|os\.environ\.get|environ\[)\(?\s*["'](\w+)["']""", settings_source))
    read |= {"DATABASE_URL"}  # read by dj_database_url.config()
    read |= set(re.findall(r"\$\{(\w+)", (ROOT / "deploy" / "start-web.sh").read_text()))

    for service in ("web", "worker", "worker-bulk", "beat"):
        assert sorted(set(compose_environment(service)) - read) == []


def test_check_deploy_gives_no_warning_with_the_compose_environment():
    result = check_deploy(compose_environment())

    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_check_deploy_gives_no_warning_with_the_readme_environment(tmp_path):
    environment = readme_environment(tmp_path)
    assert environment["SITE_URL"] == "https://portal.example.org"
    assert environment["TRUSTED_PROXY_COUNT"] == "1"

    result = check_deploy(environment)

    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_the_readme_environment_without_https_would_be_flagged(tmp_path):
    """The check really looks: the same environment on plain HTTP fails it."""
    environment = {**readme_environment(tmp_path), "SITE_URL": "http://portal.example.org"}

    result = check_deploy(environment)

    assert result.returncode == 1
    assert sorted(set(re.findall(r"\(security\.(W\d+)\)", result.stderr))) == ["W004", "W008"]


def test_dockerfile_builds_from_the_pinned_requirements():
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert "pip install -r requirements.txt" in dockerfile
    assert "npm ci" in dockerfile

"""deploy/: the compose file, its settings, the app and Chroma commands and the nginx routes, checked
against the code (no Docker engine runs here)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml

from bot.app import create_app, http_application
from bot.cli import build_parser, cmd_serve
from bot.container import Container
from bot.settings import Settings, load_settings
from tests.chroma_server import HEARTBEAT_PATH, ChromaServer

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
VARIABLE = re.compile(r"\$\{(\w+)(?::?([-?])([^}]*))?\}")


def _env_example() -> dict[str, str]:
    pairs = (line.split("=", 1) for line in (DEPLOY / ".env.example").read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#"))
    return {key.strip(): value.strip() for key, value in pairs}


def _interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?error}`; a missing required variable fails."""
    def one(match: re.Match[str]) -> str:
        name, operator, argument = match.groups()
        if env.get(name):
            return env[name]
        assert operator != "?", f"{name} is required by the compose file but not in .env.example"
        return argument if operator == "-" else ""
    return VARIABLE.sub(one, value)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def app_env(compose: dict[str, Any]) -> dict[str, str]:
    """The app replicas' environment as compose would set it from .env.example."""
    return {key: _interpolate(str(value), _env_example()) for key, value in compose["services"]["app"]["environment"].items()}


@pytest.fixture(scope="module")
def app_routes(tmp_path_factory: pytest.TempPathFactory) -> set[tuple[str, str]]:
    """(method, path) of every route the HTTP app serves, the email webhook on."""
    data = tmp_path_factory.mktemp("routes")
    settings = load_settings(tandem_data_dir=data, database_url=f"sqlite:///{data / 'tandem.db'}", chroma_url=None,
                             slack_bot_token="xoxb-test-token", slack_signing_secret="test-signing-secret",
                             email_webhook_secret="test-webhook-secret")
    container = Container(settings)
    try:
        container.migrate()
        application = http_application(create_app(container), with_scheduler=False)
        return {(route.method, route.resource.canonical) for route in application.router.routes()
                if route.resource is not None}
    finally:
        container.close()


def _healthcheck_url(service: dict[str, Any]) -> str:
    command = " ".join(service["healthcheck"]["test"])
    match = re.search(r"https?://[^'\" ]+", command)
    assert match, command
    return match.group(0)


def _nginx() -> str:
    return re.sub(r"#.*", "", (DEPLOY / "nginx.conf").read_text())


def _nginx_locations() -> dict[str, str]:
    """`location = PATH { body }` of nginx.conf, and the catch-all under "/"."""
    found = {path: body for path, body in re.findall(r"location\s+=\s+(\S+)\s*\{([^}]*)\}", _nginx())}
    catch_all = re.search(r"location\s+/\s*\{([^}]*)\}", _nginx())
    assert catch_all, "nginx.conf needs a catch-all location"
    return {**found, "/": catch_all.group(1)}


def test_the_shape_is_app_replicas_behind_a_proxy_with_postgres_and_chroma(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"app", "proxy", "postgres", "chroma"}
    assert services["app"]["deploy"]["replicas"] >= 2
    assert all("healthcheck" in service for service in services.values())
    assert {"postgres", "chroma"} <= set(services["app"]["depends_on"])
    postgres_data = {v.split(":")[0] for v in services["postgres"]["volumes"]}
    chroma_data = {v.split(":")[0] for v in services["chroma"]["volumes"]}
    assert postgres_data | chroma_data <= set(compose["volumes"])
    build = services["app"]["build"]
    dockerfile = (DEPLOY / build["context"] / build["dockerfile"]).read_text()
    assert 'ENTRYPOINT ["tandem"]' in dockerfile  # the compose command is the arguments of `tandem`


def test_env_example_holds_exactly_what_the_compose_file_reads(compose: dict[str, Any]) -> None:
    text = (DEPLOY / "docker-compose.yml").read_text()
    used = {name for name, _, _ in VARIABLE.findall(text)}
    assert set(_env_example()) == used
    assert _env_example()["SLACK_BOT_TOKEN"].startswith("xoxb-replace")  # placeholders, never real secrets


def test_the_app_environment_is_real_settings_complete_for_http_mode(app_env: dict[str, str]) -> None:
    assert {key.lower() for key in app_env} <= set(Settings.model_fields)
    settings = Settings(_env_file=None, **{key.lower(): value for key, value in app_env.items()})  # type: ignore[call-arg]
    settings.require_slack(socket_mode=False)
    assert settings.effective_database_url.startswith("postgresql+psycopg://tandem:")
    assert urlparse(settings.effective_database_url).hostname == "postgres"
    assert settings.chroma_url is not None and urlparse(settings.chroma_url).hostname == "chroma"


def test_the_app_command_is_tandem_serve_http_on_the_port_checked_and_proxied(compose: dict[str, Any]) -> None:
    app = compose["services"]["app"]
    args = build_parser().parse_args(app["command"])
    assert args.func is cmd_serve and args.http and args.host == "0.0.0.0"
    assert urlparse(_healthcheck_url(app)).port == args.port
    [upstream] = re.findall(r"set\s+\$tandem_app\s+(\S+);", _nginx())
    assert urlparse(upstream).hostname == "app" and urlparse(upstream).port == args.port


def test_health_checks_hit_real_routes(compose: dict[str, Any], app_routes: set[tuple[str, str]],
                                       chroma_server: ChromaServer) -> None:
    assert ("GET", urlparse(_healthcheck_url(compose["services"]["app"])).path) in app_routes
    assert urlparse(_healthcheck_url(compose["services"]["proxy"])).path == "/healthz"
    assert urlparse(_healthcheck_url(compose["services"]["chroma"])).path == HEARTBEAT_PATH
    assert chroma_server.heartbeat_ok()  # the path the compose check uses answers on a real `chroma run`
    assert shlex.join(compose["services"]["postgres"]["healthcheck"]["test"]).startswith("CMD pg_isready")


def test_chroma_runs_the_packaged_server_on_its_volume_at_the_app_chroma_url(
        compose: dict[str, Any], app_env: dict[str, str]) -> None:
    chroma = compose["services"]["chroma"]
    assert chroma["entrypoint"] == ["chroma"]  # the installed chromadb's CLI, as tests/chroma_server.py runs it
    command = chroma["command"]
    assert command[0] == "run"
    options = dict(zip(command[1::2], command[2::2], strict=True))
    assert set(options) == {"--path", "--host", "--port"}
    assert options["--host"] == "0.0.0.0" and int(options["--port"]) == urlparse(app_env["CHROMA_URL"]).port
    mounts = [volume.split(":")[1].split()[0] for volume in chroma["volumes"]]
    assert any(Path(options["--path"]).is_relative_to(mount) for mount in mounts)


def test_nginx_routes_the_apps_real_paths_and_keeps_metrics_private(app_routes: set[tuple[str, str]]) -> None:
    locations = _nginx_locations()
    served = {path for _, path in app_routes}
    assert set(locations) - {"/"} == served
    assert all("proxy_pass $tandem_app;" in locations[path] for path in served)
    assert "deny all;" in locations["/metrics"]
    assert "deny all;" not in locations["/slack/events"] and "deny all;" not in locations["/healthz"]
    assert "return 404;" in locations["/"]
    assert re.search(r"resolver\s+127\.0\.0\.11", _nginx())  # follows replicas in Docker's DNS

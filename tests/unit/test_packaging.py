"""The manifest, the Dockerfile and the package metadata agree with the code."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import yaml

from handlers.scopes import EVENT_SCOPES, WEB_API_METHOD_SCOPES, required_bot_scopes

ROOT = Path(__file__).resolve().parents[2]


def _web_api_methods_called() -> set[str]:
    """Every `client.<method>(` / `client.api_call("…")` in our Slack-facing code, as Slack method names."""
    called: set[str] = set()
    for path in [*ROOT.joinpath("handlers").rglob("*.py"), *ROOT.joinpath("jobs").rglob("*.py"), ROOT / "bot" / "app.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) and node.value.attr == "client":
                if re.match(r"^(auth|users|conversations|chat|reactions|views|files|apps)_", node.attr):
                    called.add(node.attr.replace("_", ".", 1))
    return called


def test_manifest_scopes_are_exactly_what_the_code_needs() -> None:
    manifest = yaml.safe_load((ROOT / "app_manifest.yml").read_text(encoding="utf-8"))
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == required_bot_scopes()


def test_every_called_method_has_a_scope_entry() -> None:
    called = _web_api_methods_called()
    assert called, "found no Web API calls: the scan is broken"
    assert called <= set(WEB_API_METHOD_SCOPES), called - set(WEB_API_METHOD_SCOPES)


def test_manifest_events_match_the_event_table() -> None:
    manifest = yaml.safe_load((ROOT / "app_manifest.yml").read_text(encoding="utf-8"))
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == set(EVENT_SCOPES)
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["features"]["slash_commands"][0]["command"] == "/tandem"


def test_dockerfile_installs_this_package_and_runs_the_entry_point_as_non_root() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert "RUN pip install ." in dockerfile
    for package in ("bot", "handlers", "retrieval", "jobs"):
        assert f"COPY {package} ./{package}" in dockerfile
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.M)
    script = project["scripts"]["tandem"]
    assert script == "bot.cli:main"
    assert 'ENTRYPOINT ["tandem"]' in dockerfile and '"serve"' in dockerfile


def test_console_script_parses_every_documented_subcommand() -> None:
    from bot.cli import build_parser

    parser = build_parser()
    for argv in (["serve", "--http", "--port", "8080"], ["demo"], ["db", "upgrade"], ["ingest", "f.jsonl"],
                 ["accounts"], ["status", "acme", "--json"]):
        assert parser.parse_args(argv).func is not None


def test_the_built_wheel_carries_its_data_and_entry_point(tmp_path) -> None:
    import subprocess
    import sys
    import zipfile

    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(tmp_path), str(ROOT)], check=True)
    [wheel] = tmp_path.glob("tandem-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("bot/extraction/weights.json", "bot/sample/records.jsonl", "bot/sample/accounts.json",
                   "bot/migrations/env.py", "retrieval/assets/minilm_tokenizer.json", "handlers/__init__.py",
                   "jobs/__init__.py"):
        assert needed in names, needed
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "tandem = bot.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()

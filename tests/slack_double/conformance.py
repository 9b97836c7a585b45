"""Check JSON against Slack's published shapes (``contract/slack_contract.json``).

- ``check_web_response(method, body)``: a Web API reply against the OpenAPI v2 schema of the method
  (2020: fields Slack added since are tolerated when the java-slack-sdk sample of the method has them)
  and against the sample (every key known to the sample or the spec, same JSON type as in the sample),
  plus the fields Tandem relies on (``REQUIRED_PATHS``).
- ``check_event_envelope(envelope, sample)``: an Events API envelope against the wrapper schema and an
  event sample; ``check_against_sample`` for interactivity payloads.

Each returns a list of problems (empty when conforming), so a test can show them all.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

CONTRACT_FILE = Path(__file__).resolve().parent / "contract" / "slack_contract.json"

#: keys whose values come from the caller (Block Kit, message metadata payloads): not checked for shape
FREE_KEYS = {
    "blocks",
    "attachments",
    "event_payload",
    "private_metadata",
    "values",
    "title_blocks",
    "description_blocks",
}

#: fields of successful replies the app relies on (dotted paths; ``[]`` = every item of a list)
REQUIRED_PATHS: dict[str, tuple[str, ...]] = {
    "auth.test": ("ok", "team_id", "user_id", "bot_id", "url", "team", "user"),
    "users.info": (
        "user.id",
        "user.team_id",
        "user.name",
        "user.real_name",
        "user.tz",
        "user.tz_offset",
        "user.is_bot",
        "user.profile.real_name",
        "user.profile.display_name",
    ),
    "users.lookupByEmail": ("user.id",),
    "conversations.info": (
        "channel.id",
        "channel.name",
        "channel.is_channel",
        "channel.is_private",
        "channel.is_im",
        "channel.is_ext_shared",
        "channel.is_shared",
        "channel.context_team_id",
    ),
    "conversations.history": ("messages[].ts", "messages[].type", "messages[].text", "has_more"),
    "conversations.replies": ("messages[].ts", "messages[].type", "messages[].text", "has_more"),
    "conversations.members": ("members", "response_metadata.next_cursor"),
    "conversations.open": ("channel.id",),
    "chat.postMessage": ("channel", "ts", "message.ts", "message.text", "message.type", "message.bot_id"),
    "chat.postEphemeral": ("message_ts",),
    "chat.update": ("channel", "ts", "text", "message.text"),
    "chat.getPermalink": ("channel", "permalink"),
    "reactions.add": ("ok",),
    "views.publish": ("view.id", "view.type", "view.blocks", "view.hash"),
    "views.open": ("view.id", "view.type", "view.blocks", "view.hash"),
    "files.info": ("file.id", "file.name", "file.mimetype", "file.url_private"),
    "apps.connections.open": ("ok", "url"),
}


@cache
def contract() -> dict[str, Any]:
    """The vendored contract document, with the spec's tuple-``items`` alternatives turned into ``anyOf``."""
    doc = json.loads(CONTRACT_FILE.read_text())
    doc["definitions"] = _normalize(doc["definitions"])
    for entry in doc["methods"].values():
        entry["ok_schema"] = _normalize(entry["ok_schema"])
        entry["error_schema"] = _normalize(entry["error_schema"])
    return doc


def _normalize(node: Any) -> Any:
    """The Slack spec writes alternatives as ``{"items": [A, B]}`` on non-arrays (a no-op in JSON Schema,
    so nothing would be checked); read them as intended: ``{"anyOf": [A, B]}``."""
    if isinstance(node, list):
        return [_normalize(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: _normalize(v) for k, v in node.items()}
    if isinstance(out.get("items"), list) and out.get("type") != "array":
        out["anyOf"] = out.pop("items")
    return out


def json_type(value: Any) -> str:
    """JSON type name of a Python value (bool is not a number)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _node(root: Any, path: list[Any]) -> Any:
    """The node of ``root`` at ``path`` (list indexes map to the first item); None when absent."""
    node = root
    for part in path:
        if isinstance(node, dict) and isinstance(part, str):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int):
            node = node[0] if node else None
        else:
            return None
    return node


def _spec_schemas_at(schema: Any, path: list[Any], definitions: dict[str, Any]) -> list[dict[str, Any]]:
    """Every sub-schema of ``schema`` that can describe the value at ``path``."""
    if not isinstance(schema, dict):
        return []
    if "$ref" in schema:
        return _spec_schemas_at(definitions.get(schema["$ref"].rsplit("/", 1)[-1]), path, definitions)
    alternatives = [s for key in ("anyOf", "oneOf", "allOf") for s in schema.get(key, [])]
    if isinstance(schema.get("items"), list):
        alternatives += schema["items"]
    if alternatives:
        return [r for alt in alternatives for r in _spec_schemas_at(alt, path, definitions)]
    if not path:
        return [schema]
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        return _spec_schemas_at(schema.get("items"), rest, definitions)
    return _spec_schemas_at(schema.get("properties", {}).get(head), rest, definitions)


def _spec_allows(schema: Any, path: list[Any], key: str, definitions: dict[str, Any]) -> bool:
    return any(
        key in s.get("properties", {})
        or s.get("additionalProperties", True) is not False
        and "properties" not in s
        for s in _spec_schemas_at(schema, path, definitions)
    )


def _tolerated(error: jsonschema.ValidationError, sample: Any) -> bool:
    """True for differences that are not faults of the double (newer Slack fields, caller content)."""
    path = list(error.absolute_path)
    if any(p in FREE_KEYS for p in path if isinstance(p, str)):
        return True
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        declared = set(error.schema.get("properties", {}))
        extras = [k for k in error.instance if k not in declared]
        sample_node = _node(sample, path)
        # fields added after the 2020 spec, attested by the SDK sample
        return isinstance(sample_node, dict) and all(k in sample_node for k in extras)
    if error.validator == "enum" and path and path[-1] == "error":
        return True  # the 2020 enums miss newer error codes (e.g. ratelimited, not_in_channel)
    if error.validator in ("anyOf", "oneOf"):
        return bool(_best_alternative(error, sample) == [])
    return False


def _best_alternative(error: jsonschema.ValidationError, sample: Any) -> list[jsonschema.ValidationError]:
    """The untolerated errors of the ``anyOf`` alternative that comes closest to matching."""
    groups: dict[Any, list[jsonschema.ValidationError]] = {}
    for sub in error.context or []:
        groups.setdefault(sub.relative_schema_path[0], []).append(sub)
    if len(groups) < len(error.validator_value):
        return []  # an alternative raised no error at all
    remaining = [[e for e in errs if not _tolerated(e, sample)] for errs in groups.values()]
    return min(remaining, key=len) if remaining else []


def _describe(error: jsonschema.ValidationError, sample: Any) -> list[str]:
    if error.validator in ("anyOf", "oneOf"):
        return [p for sub in _best_alternative(error, sample) for p in _describe(sub, sample)]
    where = "/".join(map(str, error.absolute_path)) or "<root>"
    return [f"spec: {where}: {error.message[:200]}"]


def _schema_problems(
    body: Any, schema: dict[str, Any], sample: Any, definitions: dict[str, Any]
) -> list[str]:
    validator = jsonschema.Draft4Validator(dict(schema, definitions=definitions))
    problems: list[str] = []
    for error in validator.iter_errors(body):
        if not _tolerated(error, sample):
            problems += _describe(error, sample)
    return problems


def check_against_sample(
    value: Any,
    sample: Any,
    *,
    schema: Any = None,
    definitions: dict[str, Any] | None = None,
    path: list[Any] | None = None,
) -> list[str]:
    """Every key of ``value`` is in ``sample`` (or allowed by ``schema``) with the sample's JSON type."""
    path = path or []
    problems: list[str] = []
    where = "/".join(map(str, path)) or "<root>"
    if isinstance(value, dict) and isinstance(sample, dict):
        if not sample:
            return problems  # free-form object in the sample
        for key, item in value.items():
            if key in FREE_KEYS:
                continue
            if key in sample:
                problems += check_against_sample(
                    item, sample[key], schema=schema, definitions=definitions, path=[*path, key]
                )
            elif schema is None or not _spec_allows(schema, path, key, definitions or {}):
                problems.append(f"sample: {where}: unexpected key {key!r}")
        return problems
    if isinstance(value, list) and isinstance(sample, list):
        for index, item in enumerate(value):
            if sample:
                problems += check_against_sample(
                    item, sample[0], schema=schema, definitions=definitions, path=[*path, index]
                )
        return problems
    if value is None or sample is None:
        return problems
    if json_type(value) != json_type(sample):
        problems.append(f"sample: {where}: {json_type(value)} where Slack sends {json_type(sample)}")
    return problems


def _missing_paths(body: Any, paths: tuple[str, ...]) -> list[str]:
    problems = []
    for dotted in paths:
        nodes = [body]
        for part in dotted.split("."):
            is_list = part.endswith("[]")
            key = part[:-2] if is_list else part
            nxt = []
            for node in nodes:
                if not isinstance(node, dict) or key not in node:
                    problems.append(f"required: {dotted} missing")
                    nxt = []
                    break
                nxt.extend(node[key] if is_list and isinstance(node[key], list) else [node[key]])
            nodes = nxt
            if not nodes:
                break
    return sorted(set(problems))


def check_web_response(method: str, body: dict[str, Any]) -> list[str]:
    """Problems of the Web API reply ``body`` of ``method`` (empty list when it conforms)."""
    entry = contract()["methods"][method]
    definitions = contract()["definitions"]
    ok = body.get("ok") is True
    schema = entry["ok_schema"] if ok else entry["error_schema"]
    problems: list[str] = []
    if not isinstance(body.get("ok"), bool):
        problems.append("required: ok missing or not a boolean")
    if not ok and not isinstance(body.get("error"), str):
        problems.append("required: error missing on a failed reply")
    if schema is not None:
        problems += _schema_problems(body, schema, entry["sample"], definitions)
    problems += check_against_sample(body, entry["sample"], schema=schema, definitions=definitions)
    if ok:
        problems += _missing_paths(body, REQUIRED_PATHS.get(method, ("ok",)))
    return problems


def check_event_envelope(envelope: dict[str, Any], sample_name: str) -> list[str]:
    """Problems of an Events API envelope: wrapper schema, then the java-slack-sdk sample ``sample_name``."""
    wrapper = contract()["event_wrapper_schema"]
    problems = [
        f"wrapper: {'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message[:200]}"
        for e in jsonschema.Draft7Validator(wrapper).iter_errors(envelope)
    ]
    problems += check_against_sample(envelope, contract()["events"][sample_name], schema=wrapper)
    return problems


def check_app_backend(payload: dict[str, Any], sample_name: str) -> list[str]:
    """Problems of a slash command / interactivity payload vs the sample ``sample_name``.

    Slash commands travel as forms, so every value is a string whatever type the SDK sample gives it.
    """
    sample = contract()["app_backend"][sample_name]
    if sample_name == "slash_command":
        sample = {key: "" for key in sample}
    return check_against_sample(payload, sample)

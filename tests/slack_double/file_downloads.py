"""The double's private file URLs: ``url_private(_download)`` of ``add_file`` files, served with the bot token only.

``GET /files-pri/<team>-<file id>/<name>`` and ``.../download/<name>`` answer the file's ``content`` with
``Authorization: Bearer <bot token>``, 401 without a token, 403 with another one, 404 for an unknown file.
Every request is recorded as a call to ``url_private`` (with the token it carried).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .calls import Call, CallLog
from .state import Workspace

DOWNLOAD_METHOD = "url_private"


def file_urls(base_url: str, team_id: str, file_id: str, name: str) -> dict[str, str]:
    """``url_private`` and ``url_private_download`` of a file, on the double at ``base_url``."""
    folder = f"{base_url}files-pri/{team_id}-{file_id}"
    return {"url_private": f"{folder}/{name}", "url_private_download": f"{folder}/download/{name}"}


def _content(spec: dict[str, Any]) -> bytes:
    content = spec.get("content", b"")
    return content if isinstance(content, bytes) else str(content).encode("utf-8")


async def serve_file(request: web.Request, *, workspace: Workspace, bot_token: str, log: CallLog) -> web.Response:
    """Answer one private file URL request, and record it."""
    file_id = request.match_info["team_file"].partition("-")[2]
    auth = request.headers.get("Authorization", "")
    token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
    spec = workspace.files.get(file_id)
    if not token:
        status = 401
    elif token != bot_token:
        status = 403
    else:
        status = 200 if spec is not None else 404
    await log.record(Call(DOWNLOAD_METHOD, {"file": file_id, "path": request.path}, token, "GET",
                          response={"ok": status == 200}, status=status))
    if status != 200 or spec is None:
        return web.Response(status=status, text="not allowed" if status in (401, 403) else "not found")
    return web.Response(body=_content(spec), content_type=str(spec.get("mimetype", "text/plain")))

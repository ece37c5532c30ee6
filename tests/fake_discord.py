"""A fake Discord for end-to-end tests: gateway v10 and the REST routes celebbot calls, on 127.0.0.1.

The real discord.py client connects to it through ``CELEBBOT_DISCORD_API_BASE`` and
``CELEBBOT_DISCORD_GATEWAY``. It speaks JSON text frames (no compression): HELLO,
IDENTIFY then READY and GUILD_CREATE, heartbeats and their ACKs, RESUME then RESUMED.
Every REST call is recorded; failures (a 429 with ``retry_after``, a 500) can be queued
for a route. Tests drive it with `FakeDiscord.send_message`, `FakeDiscord.slash`,
`FakeDiscord.click`, `FakeDiscord.submit_modal` and `FakeDiscord.wait_call`; interactions
may come from another member, with roles and permissions, or from a DM.

Traps it avoids, measured with discord.py 2.7: REST answers carry ``Content-Type``
exactly ``application/json`` (discord.py parses nothing else); the guild's
``member_count`` equals the members sent, so no member chunks are requested; unknown
routes answer 404 (a 5xx would be retried five times); READY names a
``resume_gateway_url``; interactions carry ``attachment_size_limit``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

log = logging.getLogger(__name__)

TOKEN = "fake.discord.token-0123456789"
APP_ID = 110000000000000001  # the application's id is also the bot user's id
GUILD_ID = 120000000000000002
CHANNEL_ID = 130000000000000003
USER_ID = 140000000000000004
OTHER_USER_ID = 140000000000000005
ADMIN_CHANNEL_ID = 130000000000000006
CURATOR_ROLE_ID = 160000000000000007
TIMESTAMP = "2026-01-01T12:00:00.000000+00:00"
EVERYONE_PERMISSIONS = "1071698660929"  # view channels, send messages, embed links, read history, ...
MANAGE_GUILD = 1 << 5

BOT_USER: dict[str, Any] = {
    "id": str(APP_ID),
    "username": "celebbot",
    "discriminator": "0",
    "global_name": None,
    "avatar": None,
    "bot": True,
    "flags": 0,
    "verified": True,
    "mfa_enabled": False,
}


def user(user_id: int = USER_ID, name: str = "alice") -> dict[str, Any]:
    """A user object."""
    return {"id": str(user_id), "username": name, "discriminator": "0", "global_name": None, "avatar": None}


def member(
    user_data: dict[str, Any], roles: tuple[int, ...] = (), permissions: int | str = EVERYONE_PERMISSIONS
) -> dict[str, Any]:
    """A guild member object (``permissions``: as Discord resolves them in the channel)."""
    return {
        "user": user_data,
        "roles": [str(r) for r in roles],
        "joined_at": TIMESTAMP,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "permissions": str(permissions),
    }


def _role(role_id: int, name: str, position: int) -> dict[str, Any]:
    return {
        "id": str(role_id),
        "name": name,
        "permissions": EVERYONE_PERMISSIONS if role_id == GUILD_ID else "0",
        "position": position,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


def _channel(channel_id: int, name: str, position: int) -> dict[str, Any]:
    return {
        "id": str(channel_id),
        "type": 0,
        "guild_id": str(GUILD_ID),
        "name": name,
        "position": position,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
    }


@dataclass(frozen=True)
class Who:
    """Who interacts: a user, their roles and resolved permissions, and whether in a DM."""

    user: dict[str, Any] = field(default_factory=user)
    roles: tuple[int, ...] = ()
    permissions: int | str = EVERYONE_PERMISSIONS
    dm: bool = False


ALICE = Who()
BOB = Who(user(OTHER_USER_ID, "bob"))


@dataclass
class Call:
    """One REST request the bot made."""

    method: str
    path: str  # without the /api/v10 prefix
    query: dict[str, str]
    body: Any
    status: int = 200

    def __repr__(self) -> str:
        return f"<{self.method} {self.path} -> {self.status}>"


@dataclass
class Failure:
    """An answer to give instead of the normal one, the next ``times`` a route is called."""

    method: str
    pattern: re.Pattern[str]
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1


class FakeDiscord:
    """The fake server. ``async with FakeDiscord() as fake:`` starts it on a free port."""

    def __init__(self, token: str = TOKEN, heartbeat_interval_ms: int = 41_250) -> None:
        self.token = token
        self.gateway_token = token  # what IDENTIFY must carry; tests may make it differ from REST's
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.calls: list[Call] = []
        self.sent: list[dict[str, Any]] = []  # messages the bot sent, as Discord would store them
        self.modals: dict[int, dict[str, Any]] = {}  # interaction id -> the modal the bot opened
        self.frames: list[dict[str, Any]] = []  # gateway frames received from the bot
        self.failures: list[Failure] = []
        self.session_id = "fake-session-1"
        self.seq = 0
        self.resumes = 0
        self.identifies = 0
        self.ws: web.WebSocketResponse | None = None
        self.port = 0
        self._ids = itertools.count(150000000000000000)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.app = web.Application()
        self.app.router.add_get("/gateway", self._gateway)
        self.app.router.add_get("/resume", self._gateway)
        self.app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)

    # -- lifecycle ------------------------------------------------------------

    async def __aenter__(self) -> FakeDiscord:
        self._runner = web.AppRunner(self.app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.ws is not None and not self.ws.closed:
            await self.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        """The REST base URL, for ``CELEBBOT_DISCORD_API_BASE``."""
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        """The gateway URL, for ``CELEBBOT_DISCORD_GATEWAY``."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def resume_url(self) -> str:
        """Where READY tells the bot to resume."""
        return f"ws://127.0.0.1:{self.port}/resume"

    def next_id(self) -> int:
        """A fresh snowflake."""
        return next(self._ids)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until ``predicate()`` holds (checked whenever a call or frame arrives)."""

        async def waiting() -> None:
            async with self._changed:
                await self._changed.wait_for(predicate)

        await asyncio.wait_for(waiting(), timeout)

    async def wait_call(
        self, predicate: Callable[[Call], bool], start: int = 0, timeout: float = 10.0
    ) -> Call:
        """The first successful REST call from index ``start`` on that matches, waiting for it."""
        found: list[Call] = []

        def match() -> bool:
            found[:] = [c for c in self.calls[start:] if c.status < 300 and predicate(c)]
            return bool(found)

        await self.wait_for(match, timeout)
        return found[0]

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls of a route with an error."""
        self.failures.append(
            Failure(
                method,
                re.compile(path_regex),
                status,
                body or {"message": "fake failure", "code": 0},
                headers or {},
                times,
            )
        )

    # -- gateway --------------------------------------------------------------

    async def _send(self, ws: web.WebSocketResponse, payload: dict[str, Any]) -> None:
        await ws.send_str(json.dumps(payload))

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a DISPATCH event to the connected bot."""
        ws = self.ws
        assert ws is not None and not ws.closed, "the bot is not connected"
        self.seq += 1
        await self._send(ws, {"op": 0, "t": event, "s": self.seq, "d": data})

    async def disconnect(self, code: int = 4000) -> None:
        """Close the gateway connection the way Discord does when it wants a resume."""
        ws = self.ws
        assert ws is not None
        await ws.close(code=code, message=b"fake disconnect")

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        await self._send(
            ws, {"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}, "s": None, "t": None}
        )
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                continue
            frame = json.loads(msg.data)
            frame["_path"] = request.path
            self.frames.append(frame)
            op = frame.get("op")
            if op == 1:
                await self._send(ws, {"op": 11, "d": None, "s": None, "t": None})
            elif op == 2:
                await self._identify(ws, frame["d"])
            elif op == 6:
                await self._resume(ws, frame["d"])
            await self._notify()
        return ws

    async def _identify(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> None:
        if data.get("token") != self.gateway_token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return
        self.identifies += 1
        self.ws = ws
        shard = data.get("shard") or [0, 1]
        await self.dispatch(
            "READY",
            {
                "v": 10,
                "user": BOT_USER,
                "guilds": [{"id": str(GUILD_ID), "unavailable": True}],
                "session_id": self.session_id,
                "resume_gateway_url": self.resume_url,
                "shard": shard,
                "application": {"id": str(APP_ID), "flags": 0},
            },
        )
        await self.dispatch("GUILD_CREATE", self.guild())

    async def _resume(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> None:
        if data.get("token") != self.gateway_token or data.get("session_id") != self.session_id:
            await self._send(ws, {"op": 9, "d": False, "s": None, "t": None})
            return
        self.resumes += 1
        self.ws = ws
        await self.dispatch("RESUMED", {})

    def guild(self) -> dict[str, Any]:
        """The one guild the bot is in, as GUILD_CREATE sends it."""
        members = [member(BOT_USER), member(user()), member(user(OTHER_USER_ID, "bob"))]
        return {
            "id": str(GUILD_ID),
            "name": "Fan Club",
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(USER_ID),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [_role(GUILD_ID, "@everyone", 0), _role(CURATOR_ROLE_ID, "Curators", 1)],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "joined_at": TIMESTAMP,
            "large": False,
            "unavailable": False,
            "member_count": len(members),
            "members": members,
            "channels": [_channel(CHANNEL_ID, "general", 0), _channel(ADMIN_CHANNEL_ID, "admin", 1)],
            "threads": [],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    # -- what a user does -----------------------------------------------------

    def message(
        self,
        content: str,
        *,
        author: dict[str, Any] | None = None,
        mentions: list[dict[str, Any]] | None = None,
        mention_everyone: bool = False,
        message_id: int | None = None,
        embeds: list[dict[str, Any]] | None = None,
        components: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """A message object in the guild's channel."""
        author = author or user()
        return {
            "id": str(message_id or self.next_id()),
            "channel_id": str(CHANNEL_ID),
            "guild_id": str(GUILD_ID),
            "author": author,
            "member": {k: v for k, v in member(author).items() if k != "user"},
            "content": content,
            "timestamp": TIMESTAMP,
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": mention_everyone,
            "mentions": mentions or [],
            "mention_roles": [],
            "attachments": [],
            "embeds": embeds or [],
            "components": components or [],
            "pinned": False,
            "type": 0,
            "flags": 0,
        }

    async def send_message(self, content: str, *, mention_bot: bool = False, **kwargs: Any) -> int:
        """A user posts in the channel; the message's id."""
        mentions = [BOT_USER] if mention_bot else []
        data = self.message(content, mentions=mentions, **kwargs)
        await self.dispatch("MESSAGE_CREATE", data)
        return int(data["id"])

    def _interaction(self, kind: int, data: dict[str, Any], who: Who = ALICE, **extra: Any) -> dict[str, Any]:
        iid = self.next_id()
        place: dict[str, Any]
        if who.dm:
            dm_channel = str(self.next_id())
            place = {
                "channel_id": dm_channel,
                "channel": {"id": dm_channel, "type": 1, "recipients": [who.user]},
                "user": who.user,
                "context": 1,
            }
        else:
            place = {
                "guild_id": str(GUILD_ID),
                "channel_id": str(CHANNEL_ID),
                "channel": {"id": str(CHANNEL_ID), "type": 0, "guild_id": str(GUILD_ID), "name": "general"},
                "member": member(who.user, who.roles, who.permissions),
                "context": 0,
            }
        return {
            "id": str(iid),
            "application_id": str(APP_ID),
            "type": kind,
            "data": data,
            **place,
            "token": f"interaction-token-{iid}",
            "version": 1,
            "app_permissions": EVERYONE_PERMISSIONS,
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(GUILD_ID)},
            "attachment_size_limit": 26_214_400,
            **extra,
        }

    async def slash(self, name: str, *, autocomplete: str | None = None, **options: Any) -> int:
        """A user runs a slash command, or types into the option ``autocomplete`` names; its id.

        A name with a space (``"kb add-fact"``) runs a subcommand of a group; ``who=Who(...)``
        runs it as someone else (like `slash_by`).
        """
        who: Who = options.pop("who", ALICE)
        return await self.slash_by(who, name, autocomplete=autocomplete, **options)

    async def slash_by(self, who: Who, name: str, *, autocomplete: str | None = None, **options: Any) -> int:
        """`slash`, by someone else (another member, other roles or permissions, or in a DM)."""
        opts: list[dict[str, Any]] = [
            {"name": k, "type": 4 if isinstance(v, int) else 3, "value": v} for k, v in options.items()
        ]
        for opt in opts:
            if opt["name"] == autocomplete:
                opt["focused"] = True
        top, _, sub = name.partition(" ")
        if sub:
            opts = [{"name": sub, "type": 1, "options": opts}]
        data = {"id": str(APP_ID + 1), "name": top, "type": 1, "options": opts}
        payload = self._interaction(4 if autocomplete else 2, data, who)
        await self.dispatch("INTERACTION_CREATE", payload)
        return int(payload["id"])

    async def click(self, message: dict[str, Any], custom_id: str, *, who: Who = ALICE) -> int:
        """A user clicks a button on a message the bot sent; the interaction id."""
        data = {"custom_id": custom_id, "component_type": 2}
        payload = self._interaction(3, data, who, message=message)
        await self.dispatch("INTERACTION_CREATE", payload)
        return int(payload["id"])

    async def modal(self, interaction_id: int, start: int = 0) -> dict[str, Any]:
        """The modal (form) the bot opened in response to an interaction."""
        call = await self.callback(interaction_id, start)
        assert call.body["type"] == 9, f"the bot answered with type {call.body['type']}, not a modal"
        return self.modals[interaction_id]

    async def submit_modal(self, modal: dict[str, Any], values: dict[str, str], *, who: Who = ALICE) -> int:
        """A user fills in a modal's text inputs (by custom id; others keep their value) and submits it."""
        unknown = set(values) - {i["custom_id"] for i in text_inputs(modal)}
        assert not unknown, f"the modal has no inputs {unknown}"

        def submitted(component: dict[str, Any]) -> dict[str, Any]:
            if component["type"] == 1:
                return {"type": 1, "components": [submitted(c) for c in component["components"]]}
            if component["type"] == 18:
                return {"type": 18, "component": submitted(component["component"])}
            cid = component["custom_id"]
            return {
                "type": component["type"],
                "custom_id": cid,
                "value": values.get(cid, component.get("value", "")),
            }

        data = {"custom_id": modal["custom_id"], "components": [submitted(c) for c in modal["components"]]}
        payload = self._interaction(5, data, who)
        await self.dispatch("INTERACTION_CREATE", payload)
        return int(payload["id"])

    async def callback(self, interaction_id: int, start: int = 0) -> Call:
        """The bot's response to an interaction (its first, which may be a defer)."""
        path = f"/interactions/{interaction_id}/interaction-token-{interaction_id}/callback"
        return await self.wait_call(lambda c: c.method == "POST" and c.path == path, start)

    async def reply_to(self, interaction_id: int, start: int = 0) -> dict[str, Any]:
        """The message the bot answered an interaction with, following a defer if there was one."""
        call = await self.callback(interaction_id, start)
        if call.body["type"] != 5:
            data: dict[str, Any] = call.body.get("data") or {}
            return data
        path = f"/webhooks/{APP_ID}/interaction-token-{interaction_id}"
        follow = await self.wait_call(lambda c: c.method == "POST" and c.path == path, start)
        body: dict[str, Any] = follow.body
        return body

    # -- REST -----------------------------------------------------------------

    def _json(self, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
        # Exactly "application/json": discord.py parses nothing else (json_response adds a charset).
        return web.Response(
            body=json.dumps(data).encode(),
            status=status,
            headers={"Content-Type": "application/json", **(headers or {})},
        )

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            if request.content_type == "application/json":
                body = json.loads(raw)
            elif request.content_type.startswith("multipart/"):
                body = _parse_multipart(request, raw)
        call = Call(request.method, path, dict(request.query), body)
        self.calls.append(call)
        try:
            return self._answer(request, call)
        finally:
            await self._notify()

    def _answer(self, request: web.Request, call: Call) -> web.Response:
        is_webhook = call.path.startswith(("/interactions/", "/webhooks/"))
        if not is_webhook and request.headers.get("Authorization") != f"Bot {self.token}":
            call.status = 401
            return self._json({"message": "401: Unauthorized", "code": 0}, 401)
        for failure in self.failures:
            if failure.times > 0 and failure.method == call.method and failure.pattern.fullmatch(call.path):
                failure.times -= 1
                call.status = failure.status
                return self._json(failure.body, failure.status, failure.headers)
        status, data = self._route(call)
        call.status = status
        if status == 204:
            return web.Response(status=204)
        return self._json(data, status)

    def _route(self, call: Call) -> tuple[int, Any]:
        m, p, body = call.method, call.path, call.body
        if m == "GET" and p == "/users/@me":
            return 200, BOT_USER
        if m == "GET" and p == "/oauth2/applications/@me":
            return 200, {
                "id": str(APP_ID),
                "name": "celebbot",
                "icon": None,
                "description": "",
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": user(),
                "verify_key": "0" * 64,
                "flags": 0,
                "summary": "",
                "team": None,
            }
        if m == "GET" and p == "/gateway/bot":
            return 200, {
                "url": self.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        if m == "POST" and re.fullmatch(r"/channels/\d+/messages", p):
            return 200, self._sent_message(body)
        if m == "POST" and re.fullmatch(r"/interactions/\d+/[^/]+/callback", p):
            return 200, self._callback(p, body)
        if m == "POST" and re.fullmatch(rf"/webhooks/{APP_ID}/[^/]+", p):
            return 200, self._sent_message(body)
        if m == "PATCH" and re.fullmatch(rf"/webhooks/{APP_ID}/[^/]+/messages/[^/]+", p):
            return 200, self._sent_message(body)
        if m == "PUT" and re.fullmatch(rf"/applications/{APP_ID}(/guilds/\d+)?/commands", p):
            guild = re.search(r"/guilds/(\d+)/", p)
            return 200, [self._command(c, guild.group(1) if guild else None) for c in body]
        return 404, {"message": "404: Not Found", "code": 0}

    def _sent_message(self, body: dict[str, Any] | None) -> dict[str, Any]:
        body = body or {}
        data = self.message(
            body.get("content") or "",
            author=BOT_USER,
            embeds=body.get("embeds"),
            components=body.get("components"),
        )
        self.sent.append(data)
        return data

    def _callback(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        interaction_id = path.split("/")[2]
        kind = body.get("type")
        data = body.get("data") or {}
        out: dict[str, Any] = {
            "interaction": {
                "id": interaction_id,
                "type": 2,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(data.get("flags", 0) & 64),
            }
        }
        if kind == 9:
            self.modals[int(interaction_id)] = data
        if kind in (4, 5, 7):
            message = self._sent_message(data)
            out["interaction"]["response_message_id"] = message["id"]
            out["resource"] = {"type": kind, "message": message}
        return out

    def _command(self, command: dict[str, Any], guild_id: str | None) -> dict[str, Any]:
        out = {
            "id": str(self.next_id()),
            "application_id": str(APP_ID),
            "version": str(self.next_id()),
            "type": 1,
            "default_member_permissions": None,
            "nsfw": False,
            "options": [],
            **command,
        }
        if guild_id:
            out["guild_id"] = guild_id
        return out


def text_inputs(modal: dict[str, Any]) -> list[dict[str, Any]]:
    """The text inputs of a modal, in order, whether in action rows or labels."""
    out: list[dict[str, Any]] = []
    for component in modal["components"]:
        if component["type"] == 1:
            out.extend(c for c in component["components"] if c["type"] == 4)
        elif component["type"] == 18 and component["component"]["type"] == 4:
            out.append(component["component"])
    return out


def _parse_multipart(request: web.Request, raw: bytes) -> dict[str, Any]:
    """A multipart body (a message with files): its JSON payload, with the files' text under ``_files``."""
    boundary = request.content_type and request.headers["Content-Type"].split("boundary=")[-1].strip('"')
    body: dict[str, Any] = {"_files": {}}
    for part in raw.split(f"--{boundary}".encode()):
        head, _, content = part.partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        name = re.search(rb'name="([^"]+)"', head)
        if name is None:
            continue
        filename = re.search(rb'filename="([^"]+)"', head)
        if name.group(1) == b"payload_json":
            body.update(json.loads(content))
        elif filename is not None:
            body["_files"][filename.group(1).decode()] = content.decode("utf-8", "replace")
    return body

"""A Hugging Face Hub look-alike on 127.0.0.1, for fetch tests and the fetch benchmark.

No package emulates the Hub and mocks cannot intercept ``huggingface_hub``'s
HTTP stack, so this is a real HTTP server that the real client reaches through
its ``endpoint``. It serves what ``generator.fetch`` and the client ask for,
the way the Hub answers (checked against huggingface_hub 2.4.0 and the Hub's
published behaviour):

- ``GET /api/models?author=&expand=...`` paginated with ``Link: <...>; rel="next"``,
  returning only the ``expand`` fields asked for (plus ``id``/``_id``);
- ``GET /api/models/{repo}`` (``model_info``);
- ``HEAD|GET /{repo}/resolve/{rev}/{file}``: a 307 to the commit-pinned
  ``/api/resolve-cache/models/{repo}/{sha}/{file}?etag=...`` as the Hub does for
  non-LFS files, which answers with ``ETag`` (the git blob id), ``X-Repo-Commit``,
  the body's real ``Content-Length`` and ``Range`` support (the client resumes
  a cut-off download with ``Range``);
- 404s with the Hub's ``X-Error-Code`` (RepoNotFound, RevisionNotFound, EntryNotFound);
- ``GET /avatars/...``: images from ``images`` (a stand-in for pbs.twimg.com);
- model files for the predict stage: ``POST /api/models/{repo}/paths-info/{rev}``
  (each path's git blob id, size and, for an LFS file, its sha256), and LFS files
  (weights: ``*.safetensors``, ``*.bin``...) answered as the Hub does, with a 302
  carrying ``X-Linked-Etag`` (the sha256) and ``X-Linked-Size`` to a CDN URL
  (``/lfs-cdn/...``) that serves the bytes with ``Range`` support.
  :meth:`HubServer.commit` adds or removes any files in a new revision.

Faults are queued per test with :meth:`HubServer.add_fault`: 401 (a bad token), 404 (EntryNotFound), 429
(with or without ``Retry-After``), 500, 503, a stalled response, a truncated body, a reset
connection, a corrupted body, a wrong ``X-Repo-Commit``, a HEAD claiming
``Content-Length: 0`` (the client then caches an empty file without error) and
a model that vanishes between listing and download. Hostile scenarios: a listing page
without its ``Link`` (the listing ends early), a page cut short with a matching
``Content-Length`` (invalid JSON, no transport error), a ``Link`` that never advances
(a cursor loop), a ``Link`` to another host, a body sent one byte at a time (``trickle``), and a chunked body that
never ends (``endless``). A fault can let its first ``after`` matching requests pass.
Hostile listing entries go in ``extra_listing``.
Every request is logged (method, path, headers) so tests can count them.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import struct
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

import pytest

from generator.corpus import CardSpec

FaultKind = Literal[
    "401",
    "404",  # a file the listing names but the Hub does not serve (predict)
    "429",
    "500",
    "503",
    "stall",
    "truncate",
    "reset",
    "corrupt",
    "wrong-commit",
    "empty-head",
    "vanish",
    # Hostile scenarios (issue 8): listing pages that end the listing early or loop,
    # bodies that never finish.
    "no-link",
    "bad-json",
    "cursor-loop",
    "foreign-link",
    "trickle",
    "endless",
]

#: Listing fields returned when the client asks for no ``expand``.
DEFAULT_FIELDS = ("likes", "downloads", "tags", "pipeline_tag", "library_name", "createdAt")
#: Files every generated repo holds besides its README.
OTHER_FILES = (".gitattributes", "config.json", "pytorch_model.bin")
#: Files stored in Git LFS (as huggingtweets' .gitattributes says): served through the CDN redirect.
LFS_SUFFIXES = (".bin", ".safetensors", ".h5", ".msgpack", ".pt", ".ckpt", ".onnx")


def is_lfs(filename: str) -> bool:
    return filename.endswith(LFS_SUFFIXES)


def lfs_pointer(data: bytes) -> bytes:
    """The pointer git stores in place of an LFS file (its size is the Hub's ``pointerSize``)."""
    return b"version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize %d\n" % (
        hashlib.sha256(data).hexdigest().encode(),
        len(data),
    )


def git_blob_id(data: bytes) -> str:
    """The git object id of a file, which the Hub sends as the ETag of a non-LFS file."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class Repo:
    """One model repo: Hub metadata, and the files of every revision it ever had."""

    id: str
    meta: dict[str, Any]  # Hub fields except id; meta["sha"] is the current revision
    revisions: dict[str, dict[str, bytes]] = field(default_factory=dict)

    @property
    def files(self) -> dict[str, bytes]:
        return self.revisions[self.meta["sha"]]


@dataclass
class Fault:
    """A misbehaviour applied to the next ``times`` requests whose path matches ``path``."""

    kind: FaultKind
    path: str  # regular expression searched in the request path
    method: str | None = None  # None: any method
    times: int = 1  # -1: forever
    retry_after: int | None = None  # for 429/503
    after: int = 0  # matching requests let through before the fault applies


@dataclass(frozen=True)
class Logged:
    """One request as the server saw it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    at: float

    @property
    def kind(self) -> Literal["api", "file", "other"]:
        """How the Hub rate-limits it: resolvers (file) or API."""
        if "/resolve/" in self.path or self.path.startswith("/api/resolve-cache/"):
            return "file"
        return "api" if self.path.startswith("/api/") else "other"


class HubServer:
    """The server and its state; use as a context manager or through the ``hub`` fixture."""

    def __init__(self, *, page_size: int = 100, stall_seconds: float = 30.0) -> None:
        self.repos: dict[str, Repo] = {}
        self.extra_listing: list[dict[str, Any]] = []
        self.faults: list[Fault] = []
        self.log: list[Logged] = []
        self.page_size = page_size
        self.stall_seconds = stall_seconds
        self.delay = 0.0  # seconds added to every file response (to kill a run part-way)
        self.trickle_seconds = 1.0  # between two bytes of a "trickle" body
        self.images: dict[str, bytes] = {}  # path -> bytes served at /avatars/<path> (else 404)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.hub = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="hubserver", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "HubServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> "HubServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- state ------------------------------------------------------------

    def load(self, specs: Iterable[CardSpec], *, author: str = "huggingtweets") -> None:
        """Serve each generated card as a repo (README bytes and ``spec.meta``)."""
        with self.lock:
            for spec in specs:
                meta = {k: v for k, v in spec.meta.items() if k != "id"}
                files = {name: b"{}" for name in OTHER_FILES} | {"README.md": spec.to_bytes()}
                repo_id = f"{author}/{spec.name}"
                self.repos[repo_id] = Repo(repo_id, meta, {meta["sha"]: files})

    def update(self, repo_id: str, readme: bytes | None) -> str:
        """Commit a new README (``None``: delete it); returns the new sha."""
        with self.lock:
            repo = self.repos[repo_id]
            files = dict(repo.files)
            if readme is None:
                files.pop("README.md", None)
            else:
                files["README.md"] = readme
            sha = hashlib.sha1(repo.meta["sha"].encode() + (readme or b"")).hexdigest()
            modified = datetime.fromisoformat(repo.meta["lastModified"].replace("Z", "+00:00")) + timedelta(days=1)
            repo.meta = repo.meta | {"sha": sha, "lastModified": modified.strftime("%Y-%m-%dT%H:%M:%S.000Z")}
            repo.revisions[sha] = files
            return sha

    def commit(self, repo_id: str, files: dict[str, bytes | None]) -> str:
        """Commit ``files`` (``None``: delete that file) as a new revision; returns its sha."""
        with self.lock:
            repo = self.repos[repo_id]
            current = dict(repo.files)
            for name, data in files.items():
                if data is None:
                    current.pop(name, None)
                else:
                    current[name] = data
            digest = hashlib.sha1(repo.meta["sha"].encode())
            for name in sorted(current):
                digest.update(name.encode() + b"\0" + hashlib.sha256(current[name]).digest())
            sha = digest.hexdigest()
            modified = datetime.fromisoformat(repo.meta["lastModified"].replace("Z", "+00:00")) + timedelta(days=1)
            repo.meta = repo.meta | {"sha": sha, "lastModified": modified.strftime("%Y-%m-%dT%H:%M:%S.000Z")}
            repo.revisions[sha] = current
            return sha

    def remove(self, repo_id: str) -> None:
        with self.lock:
            del self.repos[repo_id]

    def add_fault(
        self,
        kind: FaultKind,
        path: str,
        *,
        method: str | None = None,
        times: int = 1,
        retry_after: int | None = None,
        after: int = 0,
    ) -> Fault:
        fault = Fault(kind, path, method, times, retry_after, after)
        with self.lock:
            self.faults.append(fault)
        return fault

    def versions(self, repo_id: str) -> list[bytes]:
        """Every README this repo ever served."""
        repo = self.repos[repo_id]
        return [files["README.md"] for files in repo.revisions.values() if "README.md" in files]

    # --- log ----------------------------------------------------------------

    def requests(self, kind: str | None = None, method: str | None = None) -> list[Logged]:
        with self.lock:
            return [r for r in self.log if (kind is None or r.kind == kind) and (method is None or r.method == method)]

    def downloaded(self) -> list[str]:
        """Repo ids whose README body was requested (GET on the commit-pinned URL)."""
        out = []
        for r in self.requests("file", "GET"):
            m = re.match(r"^/api/resolve-cache/models/([^/]+/[^/]+)/", r.path)
            if m:
                out.append(m.group(1))
        return out

    def clear_log(self) -> None:
        with self.lock:
            self.log.clear()

    # --- behaviour used by the handler -----------------------------------------

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.times != 0 and (fault.method in (None, method)) and re.search(fault.path, path):
                    if fault.after > 0:
                        fault.after -= 1
                        continue
                    fault.times -= 1 if fault.times > 0 else 0
                    return fault
        return None

    def _listing_item(self, repo: Repo, fields: Iterable[str]) -> dict[str, Any]:
        item: dict[str, Any] = {"_id": hashlib.md5(repo.id.encode()).hexdigest()[:24], "id": repo.id}
        for name in fields:
            if name == "siblings":
                item["siblings"] = [{"rfilename": f} for f in sorted(repo.files)]
            elif name in repo.meta:
                item[name] = repo.meta[name]
        return item


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hubserver"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without this, Nagle's
        # algorithm holds the body back for the client's delayed ACK.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    @property
    def hub(self) -> HubServer:
        return self.server.hub  # type: ignore[attr-defined]

    def do_HEAD(self) -> None:
        self._dispatch(head=True)

    def do_GET(self) -> None:
        self._dispatch(head=False)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._body = self.rfile.read(length) if length else b""
        self._dispatch(head=False)

    # --- plumbing ------------------------------------------------------------

    def _dispatch(self, *, head: bool) -> None:
        split = urlsplit(self.path)
        path, query = unquote(split.path), parse_qs(split.query, keep_blank_values=True)
        hub = self.hub
        with hub.lock:
            hub.log.append(
                Logged(self.command, path, query, {k.lower(): v for k, v in self.headers.items()}, time.monotonic())
            )
        fault = hub._take_fault(self.command, path)
        if fault and fault.kind == "404":  # a file the listing names but the Hub does not serve
            return self._not_found("EntryNotFound", "injected 404", head=head)
        if fault and fault.kind in ("401", "429", "500", "503"):
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            return self._json(int(fault.kind), {"error": f"injected {fault.kind}"}, headers=headers, head=head)
        if fault and fault.kind == "stall":
            hub.stopping.wait(hub.stall_seconds)
            self.close_connection = True
            return None
        if fault and fault.kind == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return None
        if fault and fault.kind == "vanish":
            repo_id = _repo_in_path(path)
            with hub.lock:
                hub.repos.pop(repo_id or "", None)
        self._fault = fault
        try:
            self._route(path, query, head=head)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _send(self, status: int, headers: dict[str, str], body: bytes, *, head: bool) -> None:
        fault = getattr(self, "_fault", None)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        empty_head = head and fault is not None and fault.kind == "empty-head" and status == 200
        hostile = fault.kind if fault is not None and status in (200, 206) and not head else None
        if hostile == "bad-json":
            body = body[: max(1, len(body) // 2)]  # a whole HTTP message holding half a JSON document
        if hostile == "endless":
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", "0" if empty_head else str(len(body)))
        self.end_headers()
        if head:
            return
        if hostile == "endless":
            return self._send_endless()
        if hostile == "trickle":
            return self._send_trickle(body)
        if fault and fault.kind == "truncate" and status in (200, 206):
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        if fault and fault.kind == "corrupt" and status in (200, 206):
            body = bytes(b ^ 0x20 if 65 <= b <= 90 or 97 <= b <= 122 else b for b in body)
        self.wfile.write(body)

    def _send_endless(self) -> None:
        """Chunks of 64 KiB for as long as anyone reads them (until the client hangs up)."""
        chunk = b"%x\r\n%s\r\n" % (65536, b"x" * 65536)
        self.close_connection = True
        while not self.hub.stopping.is_set():
            self.wfile.write(chunk)

    def _send_trickle(self, body: bytes) -> None:
        """The body one byte per ``trickle_seconds`` (a README at 1 byte/s takes over an hour)."""
        self.close_connection = True
        for i in range(len(body)):
            if self.hub.stopping.wait(self.hub.trickle_seconds):
                return
            self.wfile.write(body[i : i + 1])
            self.wfile.flush()

    def _json(self, status: int, data: Any, *, headers: dict[str, str] | None = None, head: bool = False) -> None:
        body = json.dumps(data).encode()
        self._send(status, {"Content-Type": "application/json; charset=utf-8", **(headers or {})}, body, head=head)

    def _not_found(self, code: str, message: str, *, head: bool, commit: str | None = None) -> None:
        headers = {"X-Error-Code": code, "X-Error-Message": message}
        if commit:
            headers["X-Repo-Commit"] = commit
        self._json(404, {"error": message}, headers=headers, head=head)

    # --- routes ----------------------------------------------------------------

    def _route(self, path: str, query: dict[str, list[str]], *, head: bool) -> None:
        if path == "/api/models":
            return self._listing(query, head=head)
        if m := re.fullmatch(r"/api/models/([^/]+/[^/]+)(?:/revision/([^/]+))?", path):
            return self._model_info(m.group(1), head=head)
        if m := re.fullmatch(r"/api/resolve-cache/models/([^/]+/[^/]+)/([0-9a-f]{40})/(.+)", path):
            return self._file(m.group(1), m.group(2), m.group(3), head=head)
        if m := re.fullmatch(r"/([^/]+/[^/]+)/resolve/([^/]+)/(.+)", path):
            return self._resolve(m.group(1), m.group(2), m.group(3), head=head)
        if self.command == "POST" and (m := re.fullmatch(r"/api/models/([^/]+/[^/]+)/paths-info/([^/]+)", path)):
            return self._paths_info(m.group(1), m.group(2))
        if m := re.fullmatch(r"/lfs-cdn/([^/]+/[^/]+)/([0-9a-f]{40})/(.+)", path):
            return self._file(m.group(1), m.group(2), m.group(3), head=head)
        if path.startswith("/avatars/") and (image := self.hub.images.get(path.removeprefix("/avatars/"))):
            return self._send(200, {"Content-Type": "image/jpeg"}, image, head=head)
        return self._json(404, {"error": "Not Found"}, head=head)

    def _listing(self, query: dict[str, list[str]], *, head: bool) -> None:
        hub = self.hub
        author = (query.get("author") or [None])[0]
        fields = query.get("expand") or list(DEFAULT_FIELDS)
        with hub.lock:
            repos = [hub.repos[k] for k in sorted(hub.repos) if author is None or k.startswith(f"{author}/")]
            items = [hub._listing_item(r, fields) for r in repos] + [dict(x) if isinstance(x, dict) else x for x in hub.extra_listing]
        start = int((query.get("cursor") or ["0"])[0])
        page = items[start : start + hub.page_size]
        headers = {}
        fault = getattr(self, "_fault", None)
        kind = fault.kind if fault is not None else None
        if start + hub.page_size < len(items) and kind != "no-link":
            params = [(k, v) for k, values in query.items() if k != "cursor" for v in values]
            # A cursor loop: the "next" page is this very page again, for ever.
            params.append(("cursor", str(start if kind == "cursor-loop" else start + hub.page_size)))
            base = "http://hub.example.invalid" if kind == "foreign-link" else hub.url
            headers["Link"] = f'<{base}/api/models?{urlencode(params)}>; rel="next"'
        self._json(200, page, headers=headers, head=head)

    def _model_info(self, repo_id: str, *, head: bool) -> None:
        repo = self.hub.repos.get(repo_id)
        if repo is None:
            return self._not_found("RepoNotFound", "Repository not found", head=head)
        fields = ["sha", "createdAt", "lastModified", "downloads", "likes", "tags", "pipeline_tag", "library_name", "siblings"]
        self._json(200, self.hub._listing_item(repo, fields), head=head)

    def _revision(self, repo_id: str, rev: str, *, head: bool) -> tuple[Repo, str] | None:
        repo = self.hub.repos.get(repo_id)
        if repo is None:
            self._not_found("RepoNotFound", "Repository not found", head=head)
            return None
        sha = repo.meta["sha"] if rev == "main" else rev
        if sha not in repo.revisions:
            self._not_found("RevisionNotFound", "Invalid rev id", head=head)
            return None
        return repo, sha

    def _commit_header(self, sha: str) -> str:
        fault = getattr(self, "_fault", None)
        return "f" * 40 if fault and fault.kind == "wrong-commit" else sha

    def _blob(self, repo_id: str, rev: str, filename: str, *, head: bool) -> tuple[str, bytes] | None:
        """The commit and bytes of ``filename`` at ``rev``, or None once a 404 has been sent."""
        found = self._revision(repo_id, rev, head=head)
        if found is None:
            return None
        repo, sha = found
        data = repo.revisions[sha].get(filename)
        if data is None:
            self._not_found("EntryNotFound", f"{filename} does not exist on {rev}", head=head, commit=sha)
            return None
        return sha, data

    def _resolve(self, repo_id: str, rev: str, filename: str, *, head: bool) -> None:
        blob = self._blob(repo_id, rev, filename, head=head)
        if blob is None:
            return
        sha, data = blob
        if is_lfs(filename):
            # As the Hub does for an LFS file: a 302 off to the CDN, the file's
            # sha256 and size in X-Linked-* headers (the client reads them there).
            location = f"{self.hub.url}/lfs-cdn/{repo_id}/{sha}/{quote(filename)}"
            headers = {
                "Location": location,
                "X-Repo-Commit": self._commit_header(sha),
                "ETag": f'"{git_blob_id(lfs_pointer(data))}"',
                "X-Linked-Etag": f'"{hashlib.sha256(data).hexdigest()}"',
                "X-Linked-Size": str(len(data)),
                "Content-Type": "text/plain; charset=utf-8",
            }
            return self._send(302, headers, b"Found. Redirecting to the CDN", head=head)
        etag = f'"{git_blob_id(data)}"'
        location = (
            f"/api/resolve-cache/models/{repo_id}/{sha}/{quote(filename)}?"
            + urlencode({f"/{repo_id}/resolve/{rev}/{filename}": "", "etag": etag})
        )
        body = f"Temporary Redirect. Redirecting to {location}".encode()
        headers = {"Location": location, "X-Repo-Commit": self._commit_header(sha), "ETag": etag, "Content-Type": "text/plain; charset=utf-8"}
        self._send(307, headers, body, head=head)

    def _file(self, repo_id: str, sha: str, filename: str, *, head: bool) -> None:
        blob = self._blob(repo_id, sha, filename, head=head)
        if blob is None:
            return
        sha, data = blob
        if self.hub.delay:
            time.sleep(self.hub.delay)
        headers = {
            "ETag": f'"{hashlib.sha256(data).hexdigest() if is_lfs(filename) else git_blob_id(data)}"',
            "X-Repo-Commit": self._commit_header(sha),
            "Accept-Ranges": "bytes",
            "Content-Type": "text/plain; charset=utf-8",
        }
        status, body = 200, data
        if m := re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range", "")):
            start = int(m.group(1))
            status, body = 206, data[start:]
            headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
        self._send(status, headers, body, head=head)


    def _paths_info(self, repo_id: str, rev: str) -> None:
        """The Hub's paths-info: one entry per existing file among the form's ``paths``."""
        found = self._revision(repo_id, unquote(rev), head=False)
        if found is None:
            return
        repo, sha = found
        form = parse_qs(getattr(self, "_body", b"").decode("utf-8"), keep_blank_values=True)
        entries = []
        for path in form.get("paths", []):
            data = repo.revisions[sha].get(path)
            if data is None:
                continue
            if is_lfs(path):
                pointer = lfs_pointer(data)
                lfs = {"oid": hashlib.sha256(data).hexdigest(), "size": len(data), "pointerSize": len(pointer)}
                entries.append({"type": "file", "oid": git_blob_id(pointer), "size": len(data), "path": path, "lfs": lfs})
            else:
                entries.append({"type": "file", "oid": git_blob_id(data), "size": len(data), "path": path})
        self._json(200, entries)


def _repo_in_path(path: str) -> str | None:
    m = re.match(r"^/api/resolve-cache/models/([^/]+/[^/]+)/|^/api/models/([^/]+/[^/]+)|^/([^/]+/[^/]+)/resolve/", path)
    return next((g for g in m.groups() if g), None) if m else None


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[HubServer]:
    """A running :class:`HubServer` (100 models a listing page), with ``HF_ENDPOINT`` pointing at it."""
    with HubServer(stall_seconds=10.0) as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        yield server

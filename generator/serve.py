"""Serve a built site locally the way GitHub Pages does (``make serve``).

``python -m http.server`` answers an unknown path with its own bare error
page; GitHub Pages answers it with the site's ``404.html`` (and status 404).
This server does the same, so a mistyped bot address looks locally as it
does when deployed. It is for looking at the site, not for production.

>>> handler = handler_for(Path("site"))
>>> handler.func.__name__
'SiteHandler'
"""

from __future__ import annotations

import argparse
import functools
import http.server
import sys
from pathlib import Path

#: The page GitHub Pages serves for a path that matches no file.
NOT_FOUND_PAGE = "404.html"


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Static files; the site's own ``404.html`` for a missing path, with status 404."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        if getattr(self.server, "quiet", False):
            return
        super().log_message(format, *args)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / NOT_FOUND_PAGE
        if code == 404 and page.is_file():
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)


def handler_for(directory: Path) -> functools.partial:
    """A request handler class bound to ``directory``."""
    return functools.partial(SiteHandler, directory=str(directory))


def make_server(directory: Path, *, host: str = "127.0.0.1", port: int = 8000, quiet: bool = False):
    """A threading HTTP server for ``directory`` (``port=0`` picks a free port)."""
    server = http.server.ThreadingHTTPServer((host, port), handler_for(directory))
    server.quiet = quiet  # type: ignore[attr-defined]
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generator.serve", description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", nargs="?", default="site", help="the built site (default: site)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    args = parser.parse_args(argv)
    directory = Path(args.directory)
    if not (directory / "index.html").is_file():
        print(f"error: {directory} holds no built site (no index.html); run `make site` first", file=sys.stderr)
        return 2
    server = make_server(directory, host=args.host, port=args.port)
    print(f"Serving {directory} on http://{args.host}:{server.server_address[1]}/ (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Screenshots of every page kind, to look at: 1366x900 and 390x844, light and dark.

    .venv/bin/python scripts/screenshots.py [--out DIR] [--bots N] [--reuse] [--only KIND,...]

Builds two sites under DIR (the four seed cards alone, and a synthetic corpus
of N bots plus the seeds, as the tests make it), serves each the way GitHub
Pages does (404.html for unknown paths) and saves, per site, page kind, width
and scheme, ``DIR/<site>-<kind>-<width>-<scheme>.png``. Pages are shot whole
(``full_page``) except the gallery, whose first screen is what matters.
``--reuse`` skips the builds when DIR already holds them. Headless Chromium is
Debian's (/usr/bin/chromium), driven by Playwright; nothing is downloaded.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator import corpus  # noqa: E402
from generator.serve import make_server  # noqa: E402
from generator.site import build  # noqa: E402

SEED_CARDS = ROOT / "tests" / "fixtures" / "golden" / "cards"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SIZES = {"1366": {"width": 1366, "height": 900}, "390": {"width": 390, "height": 844}}
SCHEMES = ("light", "dark")
#: Shot from the top only (a whole gallery page is thousands of pixels tall).
FIRST_SCREEN = {"gallery"}


def build_sites(out: Path, n: int, reuse: bool) -> dict[str, Path]:
    os.environ["GALLERY_SITE_URL"] = ""  # relative links: the sites are served on a random port
    sites = {}
    plans = {"seed": [SEED_CARDS], f"corpus{n}": None}
    for name, cards in plans.items():
        base = out / "build" / name
        site = base / "site"
        sites[name] = site
        if reuse and (site / "index.html").is_file():
            continue
        if cards is None:
            cards_dir = base / "cards"
            if not cards_dir.is_dir():
                corpus.write_snapshot(cards_dir, corpus.generate(n, seed=3), seed=3)
            cards = [cards_dir, SEED_CARDS]
        t = time.perf_counter()
        build(cards=cards, out_dir=site, jobs=2, docs_dir=base / "docs")
        print(f"built {name} in {time.perf_counter() - t:.0f} s -> {site}", flush=True)
    return sites


def page_kinds(site: Path) -> dict[str, str]:
    """Page kind -> path, picked from the site's own bots.json."""
    bots = json.loads((site / "bots.json").read_text(encoding="utf-8"))
    singles = [b for b in bots if b["kind"] == "bot"]
    cyborgs = sorted((b for b in bots if b["kind"] == "cyborg"), key=lambda b: (-len(b["users"]), b["name"]))
    kinds = {"gallery": ""}
    if singles:
        kinds["bot"] = f"bots/{'getfiscal' if any(b['name'] == 'getfiscal' for b in singles) else singles[0]['name']}/"
    if cyborgs:
        seed = next((b for b in cyborgs if b["name"] == "dril-kanyewest-ph4370n"), cyborgs[-1])
        kinds["cyborg"] = f"bots/{seed['name']}/"
        if len(cyborgs[0]["users"]) > 3:
            kinds["cyborg-big"] = f"bots/{cyborgs[0]['name']}/"
    handle = "dril" if (site / "accounts" / "dril").is_dir() else bots[0]["handles"][0]
    kinds |= {
        "account": f"accounts/{handle}/",
        "accounts": "accounts/",
        "statistics": "statistics/",
        "data": "data/",
        "about": "about/",
        "404": "bots/no-such-bot/",
    }
    return kinds


def shoot(sites: dict[str, Path], out: Path, only: set[str] | None) -> list[Path]:
    from playwright.sync_api import sync_playwright

    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for name, site in sites.items():
            server = make_server(site, port=0, quiet=True)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            base = f"http://127.0.0.1:{server.server_address[1]}/"
            try:
                for kind, path in page_kinds(site).items():
                    if only and kind not in only:
                        continue
                    for size, viewport in SIZES.items():
                        for scheme in SCHEMES:
                            context = browser.new_context(
                                viewport=viewport, color_scheme=scheme, is_mobile=size == "390", has_touch=size == "390"
                            )
                            page = context.new_page()
                            errors: list[str] = []
                            page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
                            page.goto(base + path)
                            page.wait_for_load_state("networkidle")
                            if kind not in FIRST_SCREEN:  # let lazy images load
                                page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
                                page.wait_for_load_state("networkidle")
                                page.evaluate("window.scrollTo(0, 0)")
                            overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
                            target = out / f"{name}-{kind}-{size}-{scheme}.png"
                            page.screenshot(path=str(target), full_page=kind not in FIRST_SCREEN)
                            written.append(target)
                            note = f" horizontal overflow {overflow}px" if overflow > 0 else ""
                            note += f" errors: {errors}" if errors else ""
                            print(f"{target.name}{note}", flush=True)
                            context.close()
            finally:
                server.shutdown()
                server.server_close()
        browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / ".screenshots", help="output folder (default .screenshots/)")
    parser.add_argument("--bots", type=int, default=200, help="synthetic bots in the corpus site (default 200)")
    parser.add_argument("--reuse", action="store_true", help="reuse sites already built in --out")
    parser.add_argument("--only", default="", help="comma-separated page kinds, e.g. bot,cyborg,404")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    sites = build_sites(args.out, args.bots, args.reuse)
    shoot(sites, args.out, set(filter(None, args.only.split(","))) or None)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Shared test set-up: isolate every test from the machine and the network.

Autouse fixtures give each test a temporary HOME and Hugging Face cache, UTC
and a fixed locale, telemetry off, and a socket guard that refuses any
connection except to loopback, so no test can reach the internet by accident.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
from pathlib import Path

import pytest
from hypothesis import settings

from generator.config import ENVIRONMENT

# Hypothesis: the suite (CI, make test) runs a fixed seed and no example
# database, so every run and every clone tries the same examples and a
# failure reproduces. HYPOTHESIS_PROFILE=explore searches afresh (random seed,
# examples remembered in .hypothesis/); pin what it finds with @example or a
# named test.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Session fixtures of the site and browser tests (one corpus site per run).
pytest_plugins = ["tests.site_fixtures", "tests.browser_fixtures"]

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_loopback(address) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = address[0]
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
        raise ConnectionRefusedError(f"tests may not reach the network: connect to {address!r} refused")
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
        raise ConnectionRefusedError(f"tests may not reach the network: connect to {address!r} refused")
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True)
def _isolate(monkeypatch, tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("HF_HOME", str(home / "hf"))
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.setenv("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    for var in ENVIRONMENT:  # the developer's GALLERY_* settings stay out of the tests
        monkeypatch.delenv(var.name, raising=False)
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)
    yield
    generator_log = logging.getLogger("generator")  # the command line configures it; a test's run must not leak
    generator_log.handlers.clear()
    generator_log.setLevel(logging.NOTSET)

"""Browser tests: Playwright's sync API driving Debian's Chromium (never `playwright install`)."""

from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

# The fixtures (browser, artifacts, csp_errors) live in ctip/conftest.py, so that browser
# tests in any app share the one Playwright instance a worker may have.

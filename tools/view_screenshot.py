"""Open an interactive 3D view in headless chromium, drag it, and screenshot before and after.

A check by eye that the offline view renders and turns in a real browser:
chromium runs with no network, the page is opened from disk, and a scripted
mouse drag (Chrome DevTools Protocol) rotates the plot. Needs Debian's
`chromium` (`apt-get install chromium`); nothing else beyond the environment.

The view on its own (results/<scene>/comparison_3d.html):

    .venv/bin/python tools/view_screenshot.py results/demo/comparison_3d.html shots/

or inside Snakemake's report (`make report`), reached as a user would, by
clicks: the menu's category, then the eye button of the view's row.

    .venv/bin/python tools/view_screenshot.py results/report/report.html shots/ --click Comparison --row "interactive 3D view"
"""

from __future__ import annotations

import argparse
import base64
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
from PIL import Image
from websocket import create_connection

PORT = 9333
SIZE = (1200, 900)


class Page:
    """One browser tab, driven through the DevTools protocol."""

    def __init__(self, url: str) -> None:
        self.socket = create_connection(url, timeout=60)
        self.next_id = 0

    def call(self, method: str, **params) -> dict:
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                return message.get("result", {})

    def screenshot(self, path: Path) -> np.ndarray:
        path.write_bytes(base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"]))
        return np.asarray(Image.open(path).convert("RGB"), dtype=float)

    def evaluate(self, expression: str):
        """The value of a JavaScript expression in the page."""
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True).get("result", {}).get("value")

    def click(self, at: tuple[float, float]) -> None:
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=at[0], y=at[1], button="left", clickCount=1)

    def centre_of(self, finder: str, what: str) -> tuple[float, float]:
        """The centre of the element a JavaScript expression `finder` returns (null: not on the page)."""
        box = self.evaluate(f"(() => {{ const el = {finder}; if (!el) return null; const r = el.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2, r.width, r.height]; }})()")
        if not box or box[2] == 0:
            raise RuntimeError(f"not on the page: {what}")
        return box[0], box[1]

    def drag(self, start: tuple[int, int], end: tuple[int, int], steps: int = 20) -> None:
        self.call("Input.dispatchMouseEvent", type="mouseMoved", x=start[0], y=start[1])
        self.call("Input.dispatchMouseEvent", type="mousePressed", x=start[0], y=start[1], button="left", clickCount=1)
        for step in range(1, steps + 1):
            x = start[0] + (end[0] - start[0]) * step / steps
            y = start[1] + (end[1] - start[1]) * step / steps
            self.call("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y, button="left", buttons=1)
            time.sleep(0.03)
        self.call("Input.dispatchMouseEvent", type="mouseReleased", x=end[0], y=end[1], button="left", clickCount=1)


def page_socket(port: int, timeout: float = 30.0) -> str:
    """The DevTools websocket of the browser's first page, once it answers."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json") as response:
                pages = [page for page in json.loads(response.read()) if page["type"] == "page"]
            if pages:
                return pages[0]["webSocketDebuggerUrl"]
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("chromium did not open its DevTools port")
        time.sleep(0.5)


def text_element(text: str) -> str:
    """JavaScript finding the first visible link or button whose whole text is `text` (a menu entry)."""
    return f"[...document.querySelectorAll('a, button')].find(el => el.offsetParent && el.innerText.trim() === {json.dumps(text)})"


def row_button(text: str) -> str:
    """JavaScript finding the first link or button in the table row whose text holds `text` (a report result's eye button)."""
    return f"(([...document.querySelectorAll('tr')].find(row => row.innerText.includes({json.dumps(text)})) || document.createElement('tr')).querySelector('a, button'))"


def navigate(page: Page, clicks: list[str], row: str | None) -> tuple[float, float]:
    """Click through the page as a user would; the centre of the view to drag (the opened iframe, or the page's)."""
    for text in clicks:
        page.click(page.centre_of(text_element(text), f"an element reading {text!r}"))
        time.sleep(2)
    if row is None:
        return SIZE[0] // 2, SIZE[1] // 2
    page.click(page.centre_of(row_button(row), f"a button in the row {row!r}"))
    time.sleep(2)
    return page.centre_of("document.querySelector('iframe')", "the result's frame")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("view", type=Path, help="the view's HTML file, or Snakemake's report")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--click", action="append", default=[], help="click the element reading this text first (repeatable, in order)")
    parser.add_argument("--row", help="then click the button in the table row holding this text, and drag the frame it opens")
    parser.add_argument("--browser", default=shutil.which("chromium") or "chromium")
    args = parser.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    profile = tempfile.mkdtemp()
    browser = subprocess.Popen([
        args.browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
        f"--remote-debugging-port={PORT}", f"--user-data-dir={profile}", f"--window-size={SIZE[0]},{SIZE[1]}",
        "--proxy-server=127.0.0.1:9", args.view.resolve().as_uri(),  # no network: a proxy that does not exist
    ], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        page = Page(page_socket(PORT))
        time.sleep(3)
        centre = navigate(page, args.click, args.row)
        time.sleep(8)  # plotly draws the 3D scene with WebGL (software) after the page loads
        before = page.screenshot(args.out_dir / "view_before.png")
        page.drag((int(centre[0]), int(centre[1])), (int(centre[0]) + 250, int(centre[1]) + 60))
        time.sleep(2)
        after = page.screenshot(args.out_dir / "view_after.png")
        changed = float((np.abs(after - before).max(axis=-1) > 30).mean())
        print(json.dumps({"before": str(args.out_dir / "view_before.png"), "after": str(args.out_dir / "view_after.png"),
                          "changed_pixel_share": round(changed, 4), "drawn_pixel_share": round(float((before.min(axis=-1) < 200).mean()), 4)}))
    finally:
        browser.terminate()
        browser.wait(timeout=30)
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()

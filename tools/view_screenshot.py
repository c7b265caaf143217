"""Open an interactive 3D view (results/<scene>/comparison_3d.html) in headless chromium, drag it, and screenshot before and after.

A check by eye that the offline view renders and turns in a real browser:
chromium runs with no network, the page is opened from disk, and a scripted
mouse drag (Chrome DevTools Protocol) rotates the plot. Needs Debian's
`chromium` (`apt-get install chromium`); nothing else beyond the environment.

    .venv/bin/python tools/view_screenshot.py results/demo/comparison_3d.html shots/
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("view", type=Path)
    parser.add_argument("out_dir", type=Path)
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
        time.sleep(8)  # plotly draws the 3D scene with WebGL (software) after the page loads
        before = page.screenshot(args.out_dir / "view_before.png")
        page.drag((SIZE[0] // 2, SIZE[1] // 2), (SIZE[0] // 2 + 250, SIZE[1] // 2 + 60))
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

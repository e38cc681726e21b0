#!/usr/bin/python3
"""Drives Debian's Chromium (headless) through the console over the DevTools protocol, as an operator
would: logs in, opens every page (desktop and phone widths, a screenshot of each in OUT_DIR), ticks the
dead letter of SKU, previews its redrive, and confirms it; adds 3 units of SKU on the SKUs page; redrives
every dead letter of BULK_SKU as a bulk job and waits on its page until it has finished; opens SKU's
orders and the order's timeline. ops/browser-test starts what it talks to and checks the result in Redis.

Usage: browser_test.py BASE_URL TOKEN SKU BULK_SKU OUT_DIR
"""

import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket  # Debian's python3-websocket

BASE, TOKEN, SKU, BULK_SKU, OUT = sys.argv[1:6]
PAGES = ["/console/", "/console/skus", "/console/orders", "/console/streams", "/console/dead-letters", "/console/audit"]
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    def __init__(self):
        self.port = free_port()
        self.profile = tempfile.mkdtemp(prefix="stockroom-chromium.")
        self.process = subprocess.Popen(
            ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
             f"--remote-debugging-port={self.port}", "--remote-allow-origins=*", f"--user-data-dir={self.profile}",
             "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while True:
            try:
                targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json/list", timeout=2))
                page = next(t for t in targets if t["type"] == "page")
                break
            except Exception:
                if time.time() > deadline:
                    raise SystemExit("browser: Chromium's DevTools did not answer within 30 s")
                time.sleep(0.2)
        self.socket = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30)
        self.next_id = 0
        self.call("Page.enable")

    def call(self, method, **params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise SystemExit(f"browser: {method} failed: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise SystemExit(f"browser: {expression!r} threw {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, what, expression, seconds=20):
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                if self.evaluate(expression):
                    return
            except SystemExit:
                pass  # the page is being replaced
            time.sleep(0.1)
        raise SystemExit(f"browser: {what} did not happen within {seconds} s (at {self.evaluate('location.href')})")

    def open(self, path):
        self.call("Page.navigate", url=BASE + path)
        self.wait_for(f"{path} to load", f"location.pathname === {json.dumps(path.split('?')[0])} && document.readyState === 'complete'")

    def screenshot(self, name):
        for label, (width, height) in WIDTHS.items():
            self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=label == "phone")
            self.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
            data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"]
            path = os.path.join(OUT, f"{name}-{label}.png")
            with open(path, "wb") as handle:
                handle.write(base64.b64decode(data))
        self.call("Emulation.clearDeviceMetricsOverride")

    def close(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def main():
    os.makedirs(OUT, exist_ok=True)
    browser = Browser()
    try:
        browser.open("/console/login")
        browser.screenshot("login")
        browser.evaluate(f"document.querySelector('input[name=token]').value = {json.dumps(TOKEN)}; "
                         "document.querySelector('form.login').submit(); true")
        browser.wait_for("the login to land on the overview", "location.pathname === '/console/' && document.readyState === 'complete'")
        print("browser: logged in")
        for path in PAGES:
            browser.open(path)
            heading = browser.evaluate("document.querySelector('h1').textContent")
            name = path.strip("/").replace("console", "").strip("/") or "overview"
            browser.screenshot(name)
            print(f"browser: {path} shows '{heading}'")
        browser.open("/console/dead-letters")
        ticked = browser.evaluate(
            "(() => { const rows = [...document.querySelectorAll('tbody tr')].filter(r => r.children[2] && "
            f"r.children[2].textContent === {json.dumps(SKU)}); "
            "rows.forEach(r => r.querySelector('input[name=ref]').checked = true); return rows.length; })()")
        if ticked != 1:
            raise SystemExit(f"browser: expected one dead letter of {SKU} on the page, found {ticked}")
        browser.evaluate("document.querySelector('button[name=action][value=redrive]').click(); true")
        browser.wait_for("the preview", "document.body.innerText.includes('A redrive would take 1 dead letter')")
        browser.screenshot("redrive-preview")
        print("browser: the preview says 1 dead letter, nothing changed yet")
        browser.evaluate("document.querySelector('form.actions button').click(); true")
        browser.wait_for("the redrive", "document.body.innerText.includes('Done: redrove 1 dead letter.')")
        browser.screenshot("redrive-done")
        print("browser: redrove it from the page")

        browser.open(f"/console/skus?prefix={SKU}")
        browser.evaluate("(() => { const form = document.querySelector('form.inline'); "
                         "form.querySelector('input[name=units]').value = '3'; "
                         "form.querySelector('button[value=add]').click(); return true; })()")
        browser.wait_for("the stock change", "document.body.innerText.includes('Done: added 3 units of')")
        browser.screenshot("sku-added")
        print(f"browser: added 3 units of {SKU} from the SKUs page")

        browser.open(f"/console/dead-letters?sku={BULK_SKU}")
        browser.evaluate("document.querySelector('select[name=scope]').value = 'filter'; "
                         "document.querySelector('button[name=action][value=redrive]').click(); true")
        browser.wait_for("the bulk preview", "document.body.innerText.includes('would take 1 dead letter now')")
        browser.screenshot("bulk-preview")
        browser.evaluate("document.querySelector('form.actions button').click(); true")
        browser.wait_for("the job's page", "location.pathname === '/console/dead-letters/jobs/show'")
        browser.wait_for("the job to finish", "document.body.innerText.includes('redriven: finished')", seconds=40)
        browser.screenshot("bulk-job")
        print(f"browser: a bulk redrive of SKU {BULK_SKU} ran to its end on its page")

        browser.open(f"/console/orders?sku={SKU}")
        browser.screenshot("orders-of-sku")
        browser.evaluate("document.querySelector('tbody a').click(); true")
        browser.wait_for("the order's page", "location.pathname === '/console/orders/show' && document.readyState === 'complete'")
        browser.screenshot("order")
        print(f"browser: {SKU}'s order shows its timeline")
    finally:
        browser.close()


if __name__ == "__main__":
    main()

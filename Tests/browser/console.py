#!/usr/bin/env python3
"""Drives the admin console in headless Chromium over the DevTools protocol (--remote-debugging-pipe: no websocket
library needed) and prints what it saw as one JSON object. Used by AdminServerTests; standard library only.

usage: console.py ADMIN_URL ADMIN_KEY_FILE SCREENSHOT_DIR KEY_WITH_USAGE
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

admin_url, key_file, shots, busy_key = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
admin_key = open(key_file).read().strip()
os.makedirs(shots, exist_ok=True)
profile = tempfile.mkdtemp(prefix="keygate-chromium-")
to_chrome_r, to_chrome_w = os.pipe()
from_chrome_r, from_chrome_w = os.pipe()


def wire_fds():
    # Chromium reads commands on fd 3 and writes answers on fd 4. Through fresh copies first, since the pipes may
    # themselves be fds 3 and 4; subprocess closes every fd but pass_fds after this runs.
    reading, writing = os.dup(to_chrome_r), os.dup(from_chrome_w)
    os.dup2(reading, 3)
    os.dup2(writing, 4)


chrome = subprocess.Popen(
    [shutil.which("chromium") or "/usr/bin/chromium", "--headless=new", "--no-sandbox", "--disable-gpu",
     "--disable-dev-shm-usage", "--no-first-run", "--remote-debugging-pipe", "--user-data-dir=" + profile,
     "--window-size=1200,900", "about:blank"],
    pass_fds=(3, 4), preexec_fn=wire_fds, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
os.close(to_chrome_r)
os.close(from_chrome_w)
reader = os.fdopen(from_chrome_r, "rb")
next_id = 0
buffer = b""
events = []


def receive():
    global buffer
    while b"\0" not in buffer:
        chunk = os.read(reader.fileno(), 65536)
        if not chunk:
            raise RuntimeError("chromium closed the pipe")
        buffer += chunk
    message, buffer = buffer.split(b"\0", 1)
    return json.loads(message)


def send(method, params=None, session=None):
    global next_id
    next_id += 1
    message = {"id": next_id, "method": method, "params": params or {}}
    if session:
        message["sessionId"] = session
    os.write(to_chrome_w, json.dumps(message).encode() + b"\0")
    while True:
        answer = receive()
        if answer.get("id") == next_id:
            if "error" in answer:
                raise RuntimeError(f"{method}: {answer['error']}")
            return answer.get("result", {})
        events.append(answer)


result = {"exceptions": [], "failures": []}
try:
    page = next(t for t in send("Target.getTargets")["targetInfos"] if t["type"] == "page")
    session = send("Target.attachToTarget", {"targetId": page["targetId"], "flatten": True})["sessionId"]
    for domain in ["Page", "Runtime", "Log"]:
        send(domain + ".enable", session=session)

    def evaluate(expression):
        answer = send("Runtime.evaluate", {"expression": expression, "awaitPromise": True, "returnByValue": True},
                      session=session)
        if "exceptionDetails" in answer:
            raise RuntimeError(f"{expression[:80]}: {answer['exceptionDetails'].get('text')}")
        return answer["result"].get("value")

    def wait_for(expression, what, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if evaluate(expression):
                return
            time.sleep(0.1)
        raise RuntimeError("timed out waiting for " + what + "; page text: " + str(evaluate("document.body.innerText"))[:400])

    def screenshot(name):
        data = send("Page.captureScreenshot", {"format": "png"}, session=session)["data"]
        with open(os.path.join(shots, name), "wb") as file:
            file.write(base64.b64decode(data))

    def check(condition, failure):
        if not condition:
            result["failures"].append(failure)

    send("Page.navigate", {"url": admin_url + "/"}, session=session)
    wait_for("!!document.getElementById('admin-key')", "the sign-in form")
    screenshot("01-sign-in.png")
    check(evaluate("[...document.querySelectorAll('input')].every(i => i.labels.length > 0 || i.getAttribute('aria-label'))"),
          "an input without a label on the sign-in page")
    evaluate("document.getElementById('admin-key').value = " + json.dumps(admin_key) +
             "; document.querySelector('main form').requestSubmit(); true")
    wait_for("!!document.querySelector('table.keys tbody')", "the key list")
    wait_for("document.querySelectorAll('table.keys tbody tr').length > 0", "keys in the list")
    result["listed"] = evaluate("document.querySelectorAll('table.keys tbody tr').length")
    result["hostile_name_shown_as_text"] = evaluate(
        "document.body.innerText.includes('<img src=x onerror=alert(1)>') && !document.querySelector('main img')")
    result["key_in_url"] = admin_key in evaluate("location.href")
    result["key_in_session_storage"] = evaluate("sessionStorage.getItem('keygate-admin-key')") == admin_key
    result["key_in_cookie"] = admin_key in evaluate("document.cookie")
    screenshot("02-keys.png")

    evaluate("location.hash = '#/create'; true")
    wait_for("!!document.getElementById('new-name')", "the create form")
    check(evaluate("[...document.querySelectorAll('main input')].every(i => i.labels.length > 0)"),
          "an input without a label on the create page")
    evaluate("document.getElementById('new-name').value = 'made in the browser';"
             "document.getElementById('new-limits').value = '10/s';"
             "document.querySelector('main form').requestSubmit(); true")
    wait_for("!!document.getElementById('secret')", "the new secret")
    secret = evaluate("document.getElementById('secret').value")
    result["secret"] = secret
    result["copy_button"] = evaluate("!!document.getElementById('copy')")
    screenshot("03-created.png")
    evaluate("document.getElementById('stored').click(); true")
    result["secret_gone_after_stored"] = not evaluate("document.body.innerText.includes(" + json.dumps(secret) +
                                                      ") || !!document.getElementById('secret')")
    result["key_id"] = evaluate("decodeURIComponent(document.getElementById('created-link').hash.slice(7))")
    evaluate("document.getElementById('created-link').click(); true")
    wait_for("!!document.querySelector('svg.chart')", "the key's chart")
    result["chart_days"] = evaluate("document.querySelectorAll('svg.chart g.day').length")
    result["chart_first_day"] = evaluate("document.querySelector('svg.chart g.day').getAttribute('data-day')")
    result["chart_last_day"] = evaluate("[...document.querySelectorAll('svg.chart g.day')].pop().getAttribute('data-day')")
    result["secret_on_key_page"] = evaluate("document.body.innerText.includes(" + json.dumps(secret) + ")")
    result["audit_rows"] = evaluate("document.querySelectorAll('main table tbody tr').length")
    screenshot("04-key.png")

    evaluate("window.confirm = () => true; document.getElementById('revoke').click(); true")
    wait_for("document.getElementById('status').textContent.includes('Revoked')", "the revocation")
    wait_for("[...document.querySelectorAll('dd')].some(d => d.textContent === 'revoked')", "the revoked status")
    result["revoked_shown"] = True
    screenshot("05-revoked.png")

    send("Emulation.setDeviceMetricsOverride", {"width": 375, "height": 800, "deviceScaleFactor": 1, "mobile": True},
         session=session)
    evaluate("location.hash = '#/keys'; true")
    wait_for("document.querySelectorAll('table.keys tbody tr').length > 0", "the narrow key list")
    result["narrow_overflow"] = evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
    screenshot("06-narrow.png")
    send("Emulation.clearDeviceMetricsOverride", session=session)

    # Keyboard: Tab reaches the navigation links and the search form's controls.
    evaluate("document.activeElement.blur(); true")
    reached = []
    for _ in range(8):
        send("Input.dispatchKeyEvent", {"type": "keyDown", "key": "Tab", "code": "Tab", "windowsVirtualKeyCode": 9},
             session=session)
        send("Input.dispatchKeyEvent", {"type": "keyUp", "key": "Tab", "code": "Tab", "windowsVirtualKeyCode": 9},
             session=session)
        reached.append(evaluate("(document.activeElement.id || document.activeElement.textContent || '').trim()"))
    result["tab_reached"] = reached

    evaluate("location.hash = '#/keys/' + encodeURIComponent(" + json.dumps(busy_key) + "); true")
    wait_for("document.querySelectorAll('svg.chart g.day').length === 30", "the busy key's chart")
    result["usage_bars"] = evaluate(
        "[...document.querySelectorAll('svg.chart rect.admitted')].filter(r => parseFloat(r.getAttribute('height')) > 0).length")
    wait_for("document.querySelectorAll('#limit-state tbody tr').length === 2", "the busy key's limit state")
    result["limit_state"] = evaluate(
        "[...document.querySelectorAll('#limit-state tbody tr')].map(tr => [...tr.children].map(td => td.textContent))")
    screenshot("07-usage.png")

    evaluate("location.hash = '#/overview'; true")
    wait_for("document.getElementById('rate') && document.getElementById('rate').textContent.includes('decisions per second')",
             "the decision rate", timeout=20)
    result["overview_rate"] = evaluate("document.getElementById('rate').textContent")
    result["overview_reasons"] = evaluate("[...document.querySelectorAll('#denials tbody tr td:first-child')].map(td => td.textContent)")
    screenshot("08-overview.png")
    result["exceptions"] = [e["params"]["exceptionDetails"].get("text") for e in events
                            if e.get("method") == "Runtime.exceptionThrown"]
    result["csp_violations"] = [e["params"]["entry"]["text"] for e in events if e.get("method") == "Log.entryAdded"
                                and "Content Security Policy" in e["params"]["entry"].get("text", "")]
except Exception as error:  # reported to the Swift test, which fails on it
    result["failures"].append(str(error))
finally:
    chrome.kill()
    chrome.wait()
    shutil.rmtree(profile, ignore_errors=True)
print(json.dumps(result))

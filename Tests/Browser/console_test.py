#!/usr/bin/env python3
"""The web console in a real browser: headless Chromium driven by Selenium against a running
connwatch (started and fed by Tests/IntegrationTests/ConsoleTests.swift through a real Mosquitto).

    console_test.py --base http://127.0.0.1:PORT --token TOKEN --expect expectations.json \
        --screenshots DIR

Checks what the pages show against what the Swift test published (expectations.json), that a
silence made and expired on the page changes /api/v1/silences, that a hostile client id stays
text, that every request goes to the daemon's own origin and that the browser logs no error.
Prints each check and a closing 'N passed, N failed' line; exits 1 if a check failed.
"""
import argparse
import json
import os
import sys
import time
import traceback
import urllib.request
from datetime import datetime

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

LAPTOP = (1366, 900)
PHONE = (390, 844)


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = []

    def check(self, condition, what):
        if condition:
            self.passed += 1
            print(f"ok   {what}")
        else:
            self.failed.append(what)
            print(f"FAIL {what}")
        return condition


def iso_ms(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--expect", required=True)
    parser.add_argument("--screenshots", required=True)
    args = parser.parse_args()
    expect = json.load(open(args.expect))
    os.makedirs(args.screenshots, exist_ok=True)
    checks = Checks()

    options = Options()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 f"--window-size={LAPTOP[0]},{LAPTOP[1]}", "--no-first-run", "--no-default-browser-check",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-default-apps", "--disable-extensions", "--hide-scrollbars", "--lang=en-US"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    service = Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    requests = []

    def drain_network():
        for entry in driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                requests.append(message["params"]["request"]["url"])

    def wait_loaded(view, timeout=20):
        WebDriverWait(driver, timeout).until(
            lambda d: d.find_element(By.ID, "view").get_attribute("data-loaded") in (view, "error"))
        state = driver.find_element(By.ID, "view").get_attribute("data-loaded")
        if state != view:
            raise AssertionError(f"{view} page did not load: {driver.find_element(By.ID, 'notice').text}")
        words = driver.find_element(By.ID, "view").text.split()
        leaks = [w for w in words if w in ("null", "undefined", "NaN") or "[object" in w]
        if leaks:
            checks.check(False, f"the {view} page shows no JavaScript values as text: {leaks}")

    def go(hash_):
        driver.execute_script("location.hash = arguments[0]", hash_)

    def api(path):
        request = urllib.request.Request(args.base + path, headers={"Authorization": "Bearer " + args.token})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)

    def shot(name):
        driver.save_screenshot(os.path.join(args.screenshots, name))

    def texts(selector, root=None):
        return [e.text for e in (root or driver).find_elements(By.CSS_SELECTOR, selector)]

    try:
        # Without the token the page asks for it (the API answers 401).
        driver.get(args.base + "/")
        WebDriverWait(driver, 20).until(lambda d: d.find_element(By.ID, "view").get_attribute("data-loaded") == "error")
        checks.check("bearer token" in driver.find_element(By.ID, "notice").text, "without a token the page asks for it")
        before_token = driver.get_log("browser")
        checks.check(all("401" in e["message"] for e in before_token),
                     f"before the token only 401s are logged: {[e['message'] for e in before_token]}")
        drain_network()

        # The token goes into sessionStorage and the Authorization header, never into a URL.
        driver.find_element(By.ID, "token-input").send_keys(args.token)
        driver.find_element(By.CSS_SELECTOR, "#token-form button[type=submit]").click()
        wait_loaded("fleet")
        checks.check(driver.execute_script("return sessionStorage.getItem('connwatch.token')") == args.token,
                     "the token is kept in sessionStorage")

        # Fleet: counts and the offline clients, newest first, with cause and reason.
        totals = {e.get_attribute("data-status"): e.find_element(By.CSS_SELECTOR, ".value").text
                  for e in driver.find_elements(By.CSS_SELECTOR, "#fleet-totals .card")}
        offline = expect["offline"]
        checks.check(totals.get("disconnected") == str(len(offline)), f"fleet counts {len(offline)} offline: {totals}")
        checks.check(totals.get("connected") == str(len(expect["connected"])), f"fleet counts connected: {totals}")
        rows = driver.find_elements(By.CSS_SELECTOR, "#fleet-clients tr.client-row")
        ids = [r.get_attribute("data-client-id") for r in rows]
        checks.check([i for i in ids if i in expect["offline"]] == expect["offline"],
                     f"offline clients newest first: {ids}")
        first = rows[0].text if rows else ""
        checks.check("keepalive_timeout" in first or "network" in first or "The connection timed out" in first,
                     f"a row shows cause and reason: {first!r}")
        checks.check(all(r.find_element(By.CSS_SELECTOR, ".offline-for").text for r in rows),
                     "every offline row says for how long")
        checks.check(not any(i in ids for i in expect["connected"]), "connected clients are not in the offline list")
        shot("console-fleet.png")

        # Search by device id.
        search = driver.find_element(By.ID, "fleet-search")
        search.send_keys("off2")
        driver.find_element(By.CSS_SELECTOR, "#fleet-filters button[type=submit]").click()
        WebDriverWait(driver, 20).until(lambda d: "q=off2" in d.current_url)
        wait_loaded("fleet")
        ids = [r.get_attribute("data-client-id") for r in driver.find_elements(By.CSS_SELECTOR, "tr.client-row")]
        checks.check(ids == ["d:org1:sensor:off2"], f"search by device id finds one client: {ids}")

        # Keyset paging, two at a time: the pages together are the offline list, without repeats.
        go("#/fleet?status=disconnected&limit=2")
        wait_loaded("fleet")
        seen = []
        for _ in range(10):
            seen += [r.get_attribute("data-client-id") for r in driver.find_elements(By.CSS_SELECTOR, "tr.client-row")]
            button = driver.find_element(By.ID, "page-next")
            if not button.is_enabled():
                break
            url = driver.current_url
            button.click()
            WebDriverWait(driver, 20).until(lambda d: d.current_url != url)
            wait_loaded("fleet")
        checks.check(seen == offline,
                     f"paging two at a time lists every offline client once: {seen}")
        driver.find_element(By.ID, "page-previous").click()
        WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, "tr.client-row"))
        wait_loaded("fleet")
        checks.check(len(driver.find_elements(By.CSS_SELECTOR, "tr.client-row")) == 2, "Previous goes back a page")

        go("#/fleet?status=disconnected&order=id")
        wait_loaded("fleet")
        by_id = [r.get_attribute("data-client-id") for r in driver.find_elements(By.CSS_SELECTOR, "tr.client-row")]
        checks.check(by_id == sorted(offline, key=lambda i: i.encode()), f"the offline clients by id: {by_id}")

        # Connected clients, newest connect first (read in the order of the store's index for them).
        go("#/fleet?status=connected")
        wait_loaded("fleet")
        connected = [r.get_attribute("data-client-id") for r in driver.find_elements(By.CSS_SELECTOR, "tr.client-row")]
        checks.check(connected == expect["connected"], f"connected clients newest first: {connected}")
        heading = [h.text for h in driver.find_elements(By.CSS_SELECTOR, "#view h2")]
        checks.check("Connected clients, newest first" in heading, f"the heading says the order: {heading}")

        # Broker filter: the brokers the counts name; choosing one lists its clients, another none.
        go("#/fleet?status=disconnected")
        wait_loaded("fleet")
        options = [o.get_attribute("value") for o in driver.find_elements(By.CSS_SELECTOR, "#fleet-broker option")]
        checks.check(options == ["", expect["broker"]], f"the broker filter offers the fleet's brokers: {options}")
        driver.find_element(By.CSS_SELECTOR, f"#fleet-broker option[value='{expect['broker']}']").click()
        driver.find_element(By.CSS_SELECTOR, "#fleet-filters button[type=submit]").click()
        WebDriverWait(driver, 20).until(lambda d: "broker=" + expect["broker"] in d.current_url)
        wait_loaded("fleet")
        of_broker = [r.get_attribute("data-client-id") for r in driver.find_elements(By.CSS_SELECTOR, "tr.client-row")]
        checks.check(of_broker == offline, f"the broker's offline clients, newest first: {of_broker}")
        hostile_broker = "<img src=x id=pwned2>\u0000\u202e" + "\u6771" * 300
        driver.execute_script("location.hash = '#/fleet?status=disconnected&broker=' + encodeURIComponent(arguments[0])",
                              hostile_broker)
        WebDriverWait(driver, 20).until(lambda d: "pwned2" in d.current_url)
        wait_loaded("fleet")
        checks.check(driver.find_elements(By.ID, "fleet-empty") and not driver.find_elements(By.ID, "pwned2"),
                     "a broker no client has lists none, and its name stays text")

        # Client: the timeline's periods are the ones published, coloured by cause, reasons in titles.
        client = expect["timelineClient"]
        driver.execute_script("location.hash = '#/client/' + encodeURIComponent(arguments[0])", client)
        wait_loaded("client")
        checks.check(driver.find_element(By.ID, "client-title").text == client, "the client page names the client")
        facts = driver.find_element(By.ID, "client-facts").text
        checks.check("Type id\nsensor" in facts and "Reason\nThe connection timed out" in facts and "[object" not in facts,
                     f"the client's state and labels: {facts!r}")
        periods = driver.find_elements(By.CSS_SELECTOR, "#timeline rect.period")
        states = [p.get_attribute("data-state") for p in periods]
        checks.check(states == ["unknown", "connected", "disconnected", "connected", "disconnected"],
                     f"timeline periods: {states}")
        history = expect["timeline"]
        starts = [iso_ms(p.get_attribute("data-start")) for p in periods[1:]]
        published = [iso_ms(h["time"]) for h in history]
        checks.check(len(starts) == 4 and all(abs(a - b) < 1500 for a, b in zip(starts, published)),
                     f"periods start when the events happened: {starts} vs {published}")
        if len(periods) == 5:
            causes = [periods[2].get_attribute("data-cause"), periods[4].get_attribute("data-cause")]
            checks.check(all(causes) and "cause-" + causes[0] in periods[2].get_attribute("class"),
                         f"disconnected periods carry their cause and its colour class: {causes}")
            fill = driver.execute_script("return getComputedStyle(arguments[0]).fill", periods[2])
            checks.check(fill == "rgb(217, 130, 43)", f"a keepalive timeout is drawn in its colour: {fill}")
            title = periods[2].find_element(By.TAG_NAME, "title").get_attribute("textContent")
            checks.check(history[1]["reason"] in title and "code 162" in title, f"the hover text has the reason: {title!r}")
            end_of_last = iso_ms(periods[4].get_attribute("data-end"))
            checks.check(abs(end_of_last - time.time() * 1000) < 120000, "the last period runs until now")
        events = driver.find_elements(By.CSS_SELECTOR, "#timeline line.event")
        checks.check([e.get_attribute("data-action") for e in events] == [h["action"] for h in reversed(history)],
                     f"one mark per logged event: {[e.get_attribute('data-action') for e in events]}")
        log_rows = driver.find_elements(By.CSS_SELECTOR, "#client-log tbody tr")
        checks.check(len(log_rows) == 4 and "The connection timed out" in log_rows[0].text,
                     "the connection log table lists the events, newest first")
        checks.check(any("sensor_offline" in r.text for r in driver.find_elements(By.CSS_SELECTOR, "tr.alert-row")),
                     "the client's firing alert is listed")
        shot("console-client.png")
        driver.find_element(By.CSS_SELECTOR, "button[data-range='7d']").click()
        WebDriverWait(driver, 20).until(lambda d: "range=7d" in d.current_url)
        wait_loaded("client")
        label = driver.find_element(By.ID, "timeline").get_attribute("aria-label")
        checks.check(label.endswith("7d") and len(driver.find_elements(By.CSS_SELECTOR, "#timeline rect.period")) == 5,
                     "the 7 d timeline shows the same periods")

        # A hostile client id is text: no element, no script from it.
        hostile = expect["hostileClient"]
        driver.execute_script("location.hash = '#/client/' + encodeURIComponent(arguments[0])", hostile)
        wait_loaded("client")
        title = driver.find_element(By.ID, "client-title").get_attribute("textContent")
        checks.check("<script>window.pwned=1</script>" in title and "<img src=x id=pwned>" in title,
                     f"the hostile id is shown as text: {title!r}")
        checks.check("\u2407" in title and "\u241b" in title, "its control characters are shown as control pictures")
        checks.check(not driver.find_elements(By.ID, "pwned") and driver.execute_script("return window.pwned") is None,
                     "no element or script came from it")
        checks.check(not driver.find_elements(By.CSS_SELECTOR, "#view script, #view img, #view b"),
                     "no markup from the feed in the page")

        # Alerts: silence one from its row, then expire the silence.
        go("#/alerts")
        wait_loaded("alerts")
        target = expect["silenceClient"]
        row = [r for r in driver.find_elements(By.CSS_SELECTOR, "tr.alert-row") if target in r.text]
        checks.check(len(row) == 1, f"the alert of {target} is listed as firing")
        checks.check(len(driver.find_elements(By.CSS_SELECTOR, "tr.alert-row")) >= 4, "every offline client's alert is listed")
        shot("console-alerts.png")
        row[0].find_element(By.CSS_SELECTOR, "button.silence-alert").click()
        form = driver.find_element(By.ID, "silence-form")
        matchers = {m.find_element(By.CSS_SELECTOR, ".matcher-name").get_attribute("value"):
                    m.find_element(By.CSS_SELECTOR, ".matcher-value").get_attribute("value")
                    for m in form.find_elements(By.CSS_SELECTOR, ".matcher")}
        checks.check(matchers.get("alertname") == "sensor_offline" and matchers.get("client_id") == target,
                     f"the silence form is filled from the alert's labels: {matchers}")
        form.find_element(By.NAME, "comment").send_keys("maintenance, from the browser test")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        WebDriverWait(driver, 20).until(lambda d: "created" in d.find_element(By.ID, "notice").text)
        wait_loaded("alerts")
        silences = [s for s in api("/api/v1/silences") if s["comment"] == "maintenance, from the browser test"]
        checks.check(len(silences) == 1 and silences[0]["status"]["state"] == "active",
                     f"the silence is in /api/v1/silences: {silences}")
        silence_id = silences[0]["id"] if silences else ""
        alerts = api("/api/v1/alerts")
        checks.check(any(a["labels"].get("client_id") == target and a["silencedBy"] == [silence_id] for a in alerts),
                     "the API says the alert is silenced by it")
        row = [r for r in driver.find_elements(By.CSS_SELECTOR, "tr.alert-row") if target in r.text]
        checks.check(row and "silenced" in row[0].text, "the page shows the alert as silenced")
        driver.find_element(By.CSS_SELECTOR, f"tr.silence-row[data-silence-id='{silence_id}'] button.expire-silence").click()
        WebDriverWait(driver, 20).until(lambda d: "expired" in d.find_element(By.ID, "notice").text)
        wait_loaded("alerts")
        state = [s["status"]["state"] for s in api("/api/v1/silences") if s["id"] == silence_id]
        checks.check(state == ["expired"], f"expiring it on the page expires it in the API: {state}")

        # Rules and health.
        go("#/health")
        wait_loaded("health")
        rule = driver.find_element(By.CSS_SELECTOR, "tr.rule-row[data-rule='sensor_offline']").text
        checks.check("offline" in rule and "firing" in rule, f"the rule row shows its kind and firing alerts: {rule!r}")
        broker = driver.find_element(By.CSS_SELECTOR, "tr.broker-row").text
        checks.check("connected" in broker, f"the feed is connected: {broker!r}")
        receiver = driver.find_element(By.CSS_SELECTOR, "tr.receiver-row[data-receiver='hook']").text
        checks.check("webhook" in receiver and "delivered" in receiver, f"the receiver's last result: {receiver!r}")
        shot("console-health.png")

        # Phone width, and dark.
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": 1, "mobile": True})
        go("#/fleet")
        wait_loaded("fleet")
        overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        checks.check(overflow <= 0, f"the fleet page fits a phone's width (overflow {overflow}px)")
        shot("console-fleet-phone.png")
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia",
                               {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
        driver.execute_script("location.hash = '#/client/' + encodeURIComponent(arguments[0])", client)
        wait_loaded("client")
        background = driver.execute_script("return getComputedStyle(document.body).backgroundColor")
        checks.check(background == "rgb(17, 20, 24)", f"dark colours when the system prefers dark: {background}")
        shot("console-client-dark.png")

        # Nothing left loopback and nothing was logged.
        drain_network()
        foreign = [u for u in requests if not (u.startswith(args.base + "/") or u.startswith("data:"))]
        checks.check(requests and not foreign, f"every request went to the daemon ({len(requests)}): {foreign}")
        checks.check(any("/api/v1/silences" in u for u in requests), "the network log saw the page's API calls")
        errors = [e["message"] for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
        checks.check(not errors, f"no errors or warnings in the browser's console: {errors}")
    except Exception:
        traceback.print_exc()
        checks.failed.append("the test ran to its end")
        try:
            shot("failure.png")
            print(driver.find_element(By.TAG_NAME, "body").text[:3000])
        except Exception:
            pass
    finally:
        driver.quit()
    print(f"browser: {checks.passed} passed, {len(checks.failed)} failed")
    if checks.failed:
        print("failed: " + "; ".join(checks.failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

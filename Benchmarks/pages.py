"""The card page's own figures (issue #14), in headless Chromium at a
360x800 phone viewport against a release `alumnicard serve --dev`:
its weight (HTML, CSS and JS, raw and gzip-compressed) and request count,
and the time from navigation to a drawn QR code (the page's `qr-drawn`
performance mark), median of 20 loads online and 20 offline (the
service worker's shell and the kept day of tokens).

Argument: the issuer's base URL. Prints lines for docs/performance.md and,
last, the session cookie for the wrk run that follows.
"""

import gzip
import statistics
import sys
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

base = sys.argv[1]
options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=360,800"):
    options.add_argument(flag)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 360, "height": 800, "deviceScaleFactor": 2, "mobile": True})
wait = WebDriverWait(driver, 30)


def drawn_ms():
    wait.until(lambda d: d.execute_script("return performance.getEntriesByName('qr-drawn').length") > 0)
    return driver.execute_script("return performance.getEntriesByName('qr-drawn')[0].startTime")


try:
    driver.get(base + "/login")
    driver.find_element(By.ID, "login").send_keys("R09000001")
    driver.find_element(By.ID, "password").send_keys("demo-password" + Keys.ENTER)
    wait.until(lambda d: d.current_url.endswith("/card"))
    drawn_ms()
    cookie = driver.get_cookie("ac_session")["value"]
    driver.execute_async_script("const done = arguments[arguments.length - 1]; navigator.serviceWorker.ready.then(() => done(true));")

    # Weight: the documents the page needs, fetched as the browser does.
    resources = driver.execute_script(
        "return [location.pathname].concat(performance.getEntriesByType('resource').map(e => new URL(e.name).pathname + new URL(e.name).search))")
    requests = len(resources)
    shell = [path for path in resources if not path.startswith("/card/tokens") and not path.startswith("/v1/")]
    raw = compressed = 0
    for path in shell:
        request = urllib.request.Request(base + path, headers={"Cookie": "ac_session=" + cookie})
        body = urllib.request.urlopen(request, timeout=10).read()
        raw += len(body)
        compressed += len(gzip.compress(body, 9))
    tokens = urllib.request.urlopen(urllib.request.Request(base + "/card/tokens", headers={"Cookie": "ac_session=" + cookie}), timeout=30).read()
    print(f"card page shell: {', '.join(shell)}")
    print(f"card page weight: {raw} bytes ({raw / 1024:.1f} KiB), {compressed} bytes gzip -9; {requests} requests on load "
          f"(the page, its assets and the day of tokens)")
    print(f"day of tokens (/card/tokens): {len(tokens)} bytes, {len(gzip.compress(tokens, 9))} gzip -9")

    online = []
    for _ in range(20):
        driver.get(base + "/card")
        online.append(drawn_ms())
    driver.set_network_conditions(offline=True, latency=0, download_throughput=0, upload_throughput=0)
    offline = []
    for _ in range(20):
        driver.get(base + "/card")
        offline.append(drawn_ms())
        state = driver.find_element(By.ID, "card").get_attribute("data-state")
        assert state == "offline", state
    print(f"navigation to QR drawn, online:  median {statistics.median(online):.0f} ms (min {min(online):.0f}, max {max(online):.0f}, 20 loads)")
    print(f"navigation to QR drawn, offline: median {statistics.median(offline):.0f} ms (min {min(offline):.0f}, max {max(offline):.0f}, 20 loads)")
    driver.set_network_conditions(offline=False, latency=0, download_throughput=-1, upload_throughput=-1)
    # The human check in the page's own JavaScript, at the configured work (human_check.max_number).
    solves = []
    for _ in range(10):
        driver.get(base + "/reset")
        started = driver.execute_script("return performance.now()")
        WebDriverWait(driver, 60).until(
            lambda d: d.find_element(By.CSS_SELECTOR, "form[data-human-check]").get_attribute("data-human-check-state") == "done")
        solves.append(driver.execute_script("return performance.now()") - started)
    print(f"human check solved in the page: median {statistics.median(solves):.0f} ms (min {min(solves):.0f}, max {max(solves):.0f}, 10 pages)")
    print(cookie)
finally:
    driver.quit()

"""Walks the alumni centre's how-to in headless Chromium at a 360x800 phone
viewport (selenium with Debian's chromium-driver), as an alumnus would:
log in with the keyboard only (the national ID as the password), the forced
password change (a rule refused on screen, then accepted), the card
application, the card page (its QR code read back from a screenshot by
zxing-cpp, its countdown, the switch at refresh_at with no blank frame),
then offline: the issuer is stopped, the browser goes offline, the page is
reloaded and must still show a valid code that switches at the next window.
Runs axe-core on every page in both languages and gathers the browser's
console (CSP violations show there).

Before that, the account application in three steps with the keyboard
(Tab to each field, type, Space and Enter) and real files, and the staff
console: sign-in, authenticator enrolment (the code computed by pyotp from
the key the page shows), the queue, the application, approval.

Then a second holder signs in on the same browser without logging out:
every code the card page draws must be theirs; that holder walks their own
account (profile, e-mail change with the mailed code, sessions, a request
for a copy of their data), and the offline part runs as that holder.

Argument: a JSON object {base, shots, applicant: {...}, staff: {name,
password}, second: {login, password}, student_id, national_id,
weak_password, new_password, issuer_pid, fixtures}. Prints JSON with what each step saw; the Swift
test decides.
"""

import email
import email.policy
import glob
import io
import json
import os
import re
import signal
import sys
import time
import traceback

import pyotp
import zxingcpp
from PIL import Image
from axe_selenium_python import Axe
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

config = json.loads(sys.argv[1])
base, shots = config["base"], config["shots"]
result = {"axe": {}, "steps": {}, "console": []}


def make_driver():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=360,800",
                 "--lang=zh-TW", "--hide-scrollbars", "--force-device-scale-factor=1"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    # A phone: 360 CSS pixels wide, touch, a phone's user agent string left as is.
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 360, "height": 800, "deviceScaleFactor": 2, "mobile": True})
    return driver


driver = make_driver()
wait = WebDriverWait(driver, 60)  # an upper bound only: CI runs this beside heavy suites


def console():
    for entry in driver.get_log("browser"):
        result["console"].append(entry.get("message", ""))


def axe(name):
    """axe-core on the page as shown; keeps the serious and critical findings."""
    checker = Axe(driver)
    checker.inject()
    found = checker.run()
    result["axe"][name] = [{"id": v["id"], "impact": v["impact"], "nodes": [n["html"][:160] for n in v["nodes"][:3]]}
                           for v in found["violations"] if v["impact"] in ("serious", "critical")]


def shot(name):
    """A screenshot for docs/web.md at the phone's CSS size (the device pixels are for reading QR codes)."""
    image = Image.open(io.BytesIO(driver.get_screenshot_as_png()))
    image = image.resize((image.width // 2, image.height // 2), Image.LANCZOS).convert("P", palette=Image.ADAPTIVE, colors=128)
    image.save(os.path.join(shots, name + ".png"), optimize=True)


def language():
    return driver.find_element(By.TAG_NAME, "html").get_attribute("lang")


def switch_language(ready=None):
    before = language()
    # Follows the switch's own link (a click was sometimes lost on long pages after axe had run).
    driver.get(driver.find_element(By.CSS_SELECTOR, "a.language").get_attribute("href"))
    wait.until(lambda d: language() != before)
    if ready:
        wait.until(ready)


def both_languages(name, ready=None):
    """axe and a screenshot in the page's language, then in the other, then back."""
    for _ in range(2):
        axe(name + "-" + language())
        shot(name + "-" + language())
        switch_language(ready)


def search_merchants(submit, url_part):
    """Submits the directory's search and reads the names from the page that answers it.

    The URL changes before the old document is gone, so reading right after the URL
    can meet the old page's elements; wait until the old root is stale first."""
    old_root = driver.find_element(By.TAG_NAME, "html")
    submit()
    wait.until(expected_conditions.staleness_of(old_root))
    wait.until(lambda d: url_part in d.current_url and d.execute_script("return document.readyState") == "complete")
    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".merchants h2")]


def human_check_done():
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "form[data-human-check]").get_attribute("data-human-check-state") == "done")


def decode_qr():
    """The QR code as the screen shows it, read by zxing-cpp from a screenshot."""
    image = Image.open(io.BytesIO(driver.get_screenshot_as_png())).convert("L")
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return found[0].text if found else None


def shown_token(qr):
    """The token the page holds and the one its QR code shows, read around
    one screenshot. A window's switch between the two reads (the page swaps
    the code at the window's end) would pair one window's attribute with the
    other's picture, so such a reading is taken again."""
    for _ in range(3):
        held = qr.get_attribute("data-token")
        decoded = decode_qr()
        if qr.get_attribute("data-token") == held:
            break
    return held, decoded


def card_state():
    qr = driver.find_element(By.ID, "qr")
    token_attr, decoded = shown_token(qr)
    return {
        "state": driver.find_element(By.ID, "card").get_attribute("data-state"),
        "token_attr": token_attr,
        "window_start": int(qr.get_attribute("data-window-start") or 0),
        "refresh_at": int(qr.get_attribute("data-refresh-at") or 0),
        "countdown": driver.find_element(By.ID, "countdown").text,
        "offline": driver.find_element(By.ID, "offline").text,
        "message": driver.find_element(By.ID, "card-message").text,
        "name": driver.find_element(By.ID, "holder-name").text,
        "number": driver.find_element(By.ID, "card-number").text,
        "valid_through": driver.find_element(By.ID, "valid-through").text,
        "decoded": decoded,
        "at": time.time(),
    }


WATCH = """
window.__frames = {blank: 0, changes: 0};
new MutationObserver(() => {
  const qr = document.getElementById('qr');
  if (!qr.querySelector('svg')) window.__frames.blank++; else window.__frames.changes++;
}).observe(document.getElementById('qr'), {childList: true});
"""


SHOWN = """
window.__shown = [];
document.addEventListener("DOMContentLoaded", () => {
  const qr = document.getElementById("qr");
  if (!qr) return;
  new MutationObserver(() => {
    if (qr.dataset.token) window.__shown.push({token: qr.dataset.token, name: document.getElementById("holder-name").textContent});
  }).observe(qr, {attributes: true, attributeFilter: ["data-token"]});
});
"""


def watch_switch(name):
    """Waits through refresh_at; the code must change with no blank frame between."""
    before = card_state()
    if before["refresh_at"] - time.time() < 5:
        # Too close to a switch: under load the page may switch between reading
        # its window and the screenshot. Let this switch pass and watch the next.
        time.sleep(max(0, before["refresh_at"] - time.time() + 1.5))
        WebDriverWait(driver, 10).until(lambda d: int(d.find_element(By.ID, "qr").get_attribute("data-window-start") or 0) >= before["refresh_at"])
        before = card_state()
    driver.execute_script(WATCH)
    wait_seconds = before["refresh_at"] - time.time() + 1.5
    time.sleep(max(0, wait_seconds))
    WebDriverWait(driver, 10).until(lambda d: int(d.find_element(By.ID, "qr").get_attribute("data-window-start") or 0) >= before["refresh_at"])
    after = card_state()
    frames = driver.execute_script("return window.__frames")
    switched_at = driver.execute_script("return Date.now() / 1000")
    shot(name)
    return {"before": before, "after": after, "frames": frames, "waited": wait_seconds, "checked_at": switched_at}


def press(keys):
    """Keys as the keyboard sends them, to whatever has focus (a file input included)."""
    ActionChains(driver).send_keys(keys).perform()


def tab_to(element_id, limit=60):
    """Presses Tab until the field has focus; the count says it is reachable by keyboard."""
    for count in range(limit):
        if driver.switch_to.active_element.get_attribute("id") == element_id:
            return count
        press(Keys.TAB)
    raise AssertionError("Tab never reached #" + element_id)


def type_into(element_id, text):
    tab_to(element_id)
    driver.switch_to.active_element.send_keys(text)


def apply_for_an_account():
    """The three steps with the keyboard only; Back keeps what was typed."""
    applicant = config["applicant"]
    driver.get(base + "/lang?to=zh-Hant&back=/apply")
    wait.until(lambda d: d.find_element(By.ID, "chinese_name").is_displayed())
    human_check_done()
    both_languages("apply", ready=lambda d: d.find_element(By.ID, "chinese_name").is_displayed())
    human_check_done()
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    # An empty step is refused with a message per field.
    tab_to_element(driver.find_element(By.CSS_SELECTOR, "fieldset.step[data-step='1'] [data-next]"))
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    empty = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "fieldset.step[data-step='1'] .field-error") if e.text]
    type_into("chinese_name", applicant["chinese_name"])
    # The sex: Tab reaches the first choice, an arrow key picks the second.
    tab_to("sex-male")
    driver.switch_to.active_element.send_keys(Keys.ARROW_DOWN)
    type_into("national_id", applicant["national_id"])
    type_into("birth_date", applicant["birth_date"])
    driver.switch_to.active_element.send_keys(Keys.TAB)
    driver.switch_to.active_element.send_keys(Keys.ENTER)          # Next
    wait.until(lambda d: d.find_element(By.ID, "department-0").is_displayed())
    shot("apply-step2-zh-Hant")
    type_into("department-0", applicant["department"])
    type_into("admission_year-0", applicant["admission_year"])
    type_into("graduation_year-0", applicant["graduation_year"])
    # Back to step 1 and forward again: nothing typed is lost.
    back = driver.find_element(By.CSS_SELECTOR, "fieldset.step[data-step='2'] [data-back]")
    tab_to_element(back)
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    kept = driver.find_element(By.ID, "chinese_name").get_attribute("value")
    tab_to_element(driver.find_element(By.CSS_SELECTOR, "fieldset.step[data-step='1'] [data-next]"))
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    tab_to_element(driver.find_element(By.CSS_SELECTOR, "fieldset.step[data-step='2'] [data-next]"))
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    wait.until(lambda d: d.find_element(By.ID, "mobile").is_displayed())
    permanent = driver.find_element(By.ID, "permanent")
    for key in ("postal_code", "county", "district", "line"):
        tab_to_element(permanent.find_element(By.CSS_SELECTOR, f"[data-key={key}]"))
        # A two-digit postal code first: the page must name it before anything is sent.
        driver.switch_to.active_element.send_keys("12" if key == "postal_code" else applicant[key])
    type_into("mobile", applicant["mobile"])
    type_into("email", applicant["email"])
    # Files: a too-large photo is refused before upload, then the real ones.
    tab_to("id_document")
    driver.switch_to.active_element.send_keys(config["fixtures"]["document"])
    tab_to("photo")
    driver.switch_to.active_element.send_keys(config["fixtures"]["large_photo"])
    large = driver.find_element(By.ID, "photo-error").text if driver.find_elements(By.ID, "photo-error") else ""
    driver.switch_to.active_element.send_keys(config["fixtures"]["photo"])
    tab_to("consent")
    driver.switch_to.active_element.send_keys(Keys.SPACE)
    submit = driver.find_element(By.CSS_SELECTOR, "form[data-application] button[type=submit]")
    tab_to_element(submit)
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    wait.until(lambda d: d.find_elements(By.ID, "permanent-postal_code-error"))
    postal = {"error": driver.find_element(By.ID, "permanent-postal_code-error").text,
              "focused": driver.switch_to.active_element.get_attribute("id"), "url": driver.current_url}
    shot("apply-step3-postal-code-zh-Hant")
    axe("apply-step3-zh-Hant")
    code = driver.find_element(By.ID, "permanent-postal_code")
    code.clear()
    code.send_keys(applicant["postal_code"])
    tab_to_element(submit)
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    WebDriverWait(driver, 60).until(lambda d: "/apply/received" in d.current_url)
    shot("apply-received-zh-Hant")
    axe("apply-received-zh-Hant")
    result["steps"]["apply"] = {"empty_step_errors": empty, "kept_after_back": kept, "large_photo": large, "postal_code": postal,
                                "received": driver.find_element(By.CSS_SELECTOR, "main [role=status]").text}


def tab_to_element(target, limit=80):
    for _ in range(limit):
        if driver.switch_to.active_element == target:
            return
        press(Keys.TAB)
    raise AssertionError("Tab never reached " + target.get_attribute("outerHTML")[:80])


def status_page():
    """The status link from the acknowledgement mail (read from the test's SMTP sink)."""
    link = None
    for _ in range(150):
        for path in sorted(glob.glob(os.path.join(config["mails"], "*.eml"))):
            with open(path, "rb") as handle:
                message = email.message_from_bytes(handle.read(), policy=email.policy.default)
            found = re.search(r"https?://\S+/applications/status\?token=[A-Za-z0-9_-]+", message.get_body(("plain",)).get_content())
            if found:
                link = found.group(0)
        if link:
            break
        time.sleep(0.2)
    assert link, "no acknowledgement mail with a status link"
    # Links are made from server.public_url; the test's daemon has none and listens on a port of the system's choosing.
    driver.get(base + link[link.index("/applications/status"):])
    wait.until(lambda d: d.find_elements(By.ID, "status"))
    both_languages("status", ready=lambda d: d.find_elements(By.ID, "status"))
    result["steps"]["status"] = {"state": driver.find_element(By.ID, "status").text, "address_bar_token": "token=" in driver.current_url}


def reset_with_an_unknown_link():
    """The reset link's page, in both languages, refuses a link it does not know."""
    driver.get(base + "/reset?token=acr_not-a-real-token")
    wait.until(lambda d: d.find_elements(By.ID, "new_password"))
    both_languages("reset-confirm", ready=lambda d: d.find_elements(By.ID, "new_password"))
    driver.find_element(By.ID, "new_password").send_keys(config["new_password"])
    driver.find_element(By.ID, "confirm_password").send_keys(config["new_password"] + Keys.ENTER)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".errors"))
    result["steps"]["reset"] = {"refused": driver.find_element(By.CSS_SELECTOR, ".errors").text}


def staff_approves():
    """The staff console: password, authenticator enrolment, the queue, approval."""
    staff = config["staff"]
    driver.get(base + "/staff/login")
    both_languages("staff-login", ready=lambda d: d.find_element(By.ID, "name"))
    driver.find_element(By.ID, "name").send_keys(staff["name"])
    driver.find_element(By.ID, "password").send_keys(staff["password"] + Keys.ENTER)
    wait.until(lambda d: d.find_elements(By.ID, "secret"))
    axe("staff-enrol-zh-Hant")
    secret = driver.find_element(By.ID, "secret").text
    qr_seen = decode_qr()
    # The screenshot goes into docs/: the key and its QR code are hidden first, even a throwaway test one.
    driver.execute_script("document.getElementById('secret').textContent = '••••••••••••••••';"
                          "document.querySelector('.enrol-qr img').style.filter = 'blur(8px)';")
    shot("staff-enrol-zh-Hant")
    driver.find_element(By.ID, "code").send_keys(pyotp.TOTP(secret).now() + Keys.ENTER)
    wait.until(lambda d: d.current_url.endswith("/staff"))
    both_languages("staff-queue")
    rows = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "main tbody tr")]
    driver.find_element(By.PARTIAL_LINK_TEXT, config["applicant"]["chinese_name"]).click()
    wait.until(lambda d: d.find_elements(By.ID, "student_id"))
    both_languages("staff-application", ready=lambda d: d.find_elements(By.ID, "student_id"))
    documents = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "main ul.links a")]
    driver.find_element(By.ID, "student_id").clear()
    driver.find_element(By.ID, "student_id").send_keys(config["student_id"])
    driver.find_element(By.CSS_SELECTOR, "form[action$='/approve'] button").click()
    wait.until(lambda d: d.current_url.endswith("/staff?done=approved"))
    after = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "main tbody tr")]
    for page in ("cards", "keys", "merchants", "data-requests"):
        driver.get(base + "/staff/" + page)
        both_languages("staff-" + page)
    result["steps"]["staff"] = {"qr_uri": qr_seen, "secret": secret, "queue": rows, "after": after, "documents": documents}


def mailed_code(recipient):
    """The six-digit code in the newest mail to `recipient` in the test's SMTP sink."""
    for _ in range(150):
        found = None
        for path in sorted(glob.glob(os.path.join(config["mails"], "*.eml")), key=os.path.getmtime):
            with open(path, "rb") as handle:
                message = email.message_from_bytes(handle.read(), policy=email.policy.default)
            if recipient in str(message.get("To", "")):
                code = re.search(r"\b(\d{6})\b", message.get_body(("plain",)).get_content())
                if code:
                    found = code.group(1)
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError("no code mailed to " + recipient)


def own_account():
    steps = {}
    driver.get(base + "/home")
    driver.find_element(By.CSS_SELECTOR, "main a[href='/account']").click()
    wait.until(lambda d: d.find_elements(By.ID, "mobile"))
    both_languages("account", ready=lambda d: d.find_elements(By.ID, "mobile"))
    phone = driver.find_element(By.ID, "phone")
    phone.clear()
    phone.send_keys("02-3366-1234")
    driver.find_element(By.CSS_SELECTOR, "form[action='/account'] button[type=submit]").click()
    wait.until(lambda d: "done=" in d.current_url and d.find_elements(By.CSS_SELECTOR, ".notice"))
    steps["saved"] = {"notice": driver.find_element(By.CSS_SELECTOR, ".notice").text, "phone": driver.find_element(By.ID, "phone").get_attribute("value")}

    driver.find_element(By.CSS_SELECTOR, "a[href='/account/email']").click()
    wait.until(lambda d: d.find_elements(By.ID, "email"))
    both_languages("account-email", ready=lambda d: d.find_elements(By.ID, "email"))
    new_address = "demo.moved@example.org"
    driver.find_element(By.ID, "email").send_keys(new_address)
    driver.find_element(By.ID, "current_password").send_keys(config["second"]["password"] + Keys.ENTER)
    wait.until(lambda d: d.find_elements(By.ID, "code"))
    axe("account-email-code-" + language())
    shot("account-email-code-" + language())
    driver.find_element(By.ID, "code").send_keys(mailed_code(new_address) + Keys.ENTER)
    wait.until(lambda d: "done=email" in d.current_url)
    steps["email"] = {"notice": driver.find_element(By.CSS_SELECTOR, ".notice").text, "shown": new_address in driver.find_element(By.TAG_NAME, "main").text}

    driver.get(base + "/account/sessions")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "ul.sessions li"))
    both_languages("account-sessions", ready=lambda d: d.find_elements(By.CSS_SELECTOR, "ul.sessions li"))
    steps["sessions"] = {"listed": len(driver.find_elements(By.CSS_SELECTOR, "ul.sessions li")),
                         "current": len(driver.find_elements(By.CSS_SELECTOR, "ul.sessions .badge"))}

    driver.get(base + "/account/data")
    wait.until(lambda d: d.find_elements(By.ID, "kind_copy"))
    both_languages("account-data", ready=lambda d: d.find_elements(By.ID, "kind_copy"))
    driver.find_element(By.CSS_SELECTOR, "label[for='kind_copy']").click()
    driver.find_element(By.ID, "current_password").send_keys(config["second"]["password"] + Keys.ENTER)
    wait.until(lambda d: "done=filed" in d.current_url)
    axe("account-data-filed-" + language())
    steps["data"] = {"notice": driver.find_element(By.CSS_SELECTOR, ".notice").text,
                     "downloads": [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "ul.requests a[download]")]}
    result["steps"]["own_account"] = steps


try:
    apply_for_an_account()
    status_page()
    reset_with_an_unknown_link()
    staff_approves()
    # 1. The login page, in both languages; then keyboard only. Chinese first, as the centre's default.
    driver.get(base + "/")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "main a[href='/apply']"))
    both_languages("welcome")
    driver.get(base + "/lang?to=zh-Hant&back=/reset")
    wait.until(lambda d: d.find_element(By.ID, "login"))
    both_languages("reset")
    driver.get(base + "/login")
    wait.until(lambda d: d.find_element(By.ID, "login"))
    both_languages("login")
    driver.get(base + "/login")
    human_check_done()
    body = driver.find_element(By.TAG_NAME, "body")
    # Tab from the top of the page to the login field: skip link, brand, language switch, then the form.
    body.send_keys(Keys.TAB)
    tabs = 0
    while driver.switch_to.active_element.get_attribute("id") != "login" and tabs < 10:
        driver.switch_to.active_element.send_keys(Keys.TAB)
        tabs += 1
    driver.switch_to.active_element.send_keys(config["student_id"].lower())
    driver.switch_to.active_element.send_keys(Keys.TAB)
    driver.switch_to.active_element.send_keys(config["national_id"] + Keys.ENTER)
    wait.until(lambda d: d.current_url.endswith("/password"))
    result["steps"]["login"] = {"tabs_to_field": tabs + 1, "landed": driver.current_url}

    # 2. The forced change: a password that breaks a rule is refused on screen.
    both_languages("password")
    driver.find_element(By.ID, "current_password").send_keys(config["national_id"])
    driver.find_element(By.ID, "new_password").send_keys(config["weak_password"])
    live = {item.get_attribute("data-rule"): item.get_attribute("class") for item in driver.find_elements(By.CSS_SELECTOR, "li[data-rule]")}
    driver.find_element(By.ID, "confirm_password").send_keys(config["weak_password"] + Keys.ENTER)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".errors"))
    refused = {"errors": driver.find_element(By.CSS_SELECTOR, ".errors").text,
               "field_error": driver.find_element(By.ID, "new_password-error").text if driver.find_elements(By.ID, "new_password-error") else "",
               "live_rules": live, "url": driver.current_url}
    shot("password-refused-zh-Hant")
    axe("password-refused-zh-Hant")
    driver.find_element(By.ID, "current_password").send_keys(config["national_id"])
    driver.find_element(By.ID, "new_password").send_keys(config["new_password"])
    driver.find_element(By.ID, "confirm_password").send_keys(config["new_password"])
    # The refusal was about the old attempt: once the live rules are met it is gone from the page.
    refused["after_retyping"] = {"summary": len(driver.find_elements(By.ID, "form-errors")),
                                 "field_error": len(driver.find_elements(By.ID, "new_password-error")),
                                 "invalid": driver.find_element(By.ID, "new_password").get_attribute("aria-invalid")}
    driver.find_element(By.ID, "confirm_password").send_keys(Keys.ENTER)
    wait.until(lambda d: "/card/apply" in d.current_url)
    result["steps"]["password"] = {"refused": refused, "accepted_to": driver.current_url}

    # 3. The card application.
    both_languages("card-apply")
    human_check_done()
    offered = driver.find_element(By.CSS_SELECTOR, "input[name=kind]").get_attribute("value")
    driver.find_element(By.CSS_SELECTOR, "form[data-human-check] button[type=submit]").click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".notice"))
    notice = driver.find_element(By.CSS_SELECTOR, ".notice").text
    shot("card-apply-done-zh-Hant")
    # Once the card is issued the page offers no first application; it says why, as information.
    driver.get(base + "/card/apply")
    wait.until(lambda d: d.find_elements(By.ID, "card-apply-closed"))
    result["steps"]["card_apply"] = {"offered": offered, "notice": notice, "closed": driver.find_element(By.ID, "card-apply-closed").text,
                                     "forms": len(driver.find_elements(By.CSS_SELECTOR, "form[action='/card/apply']"))}
    shot("card-apply-closed-zh-Hant")
    axe("card-apply-closed-zh-Hant")

    # The home page and the merchant directory: a category, then a search.
    driver.get(base + "/home")
    both_languages("home")
    driver.get(base + "/merchants")
    both_languages("merchants")
    all_listed = len(driver.find_elements(By.CSS_SELECTOR, ".merchants li"))
    from selenium.webdriver.support.ui import Select
    Select(driver.find_element(By.ID, "category")).select_by_value("books")
    books = search_merchants(lambda: driver.find_element(By.CSS_SELECTOR, "form.search button").click(), "category=books")
    Select(driver.find_element(By.ID, "category")).select_by_value("")
    driver.find_element(By.ID, "q").send_keys("咖啡")
    wait.until(lambda d: d.find_element(By.ID, "q").get_attribute("value") == "咖啡")
    coffee = search_merchants(lambda: driver.find_element(By.CSS_SELECTOR, "form.search button").click(), "q=%E5%92%96%E5%95%A1")
    result["steps"]["merchants"] = {"all": all_listed, "books": books, "coffee": coffee}

    # 4. The card page, online.
    started = time.time()
    driver.get(base + "/card")
    wait.until(lambda d: d.find_element(By.ID, "card").get_attribute("data-state") == "online")
    drawn = driver.execute_script("const m = performance.getEntriesByName('qr-drawn')[0]; return m ? m.startTime : null")
    online = card_state()
    shot("card-zh-Hant")
    axe("card-zh-Hant")
    driver.find_element(By.CSS_SELECTOR, "a.language").click()
    wait.until(lambda d: d.find_element(By.ID, "card").get_attribute("data-state") == "online")
    english = card_state()
    shot("card-en")
    axe("card-en")
    driver.find_element(By.CSS_SELECTOR, "a.language").click()
    wait.until(lambda d: d.find_element(By.ID, "card").get_attribute("data-state") == "online")
    # The service worker must hold the shell before the network goes.
    worker = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "navigator.serviceWorker.ready.then(r => done(!!r.active)).catch(() => done(false));")
    switch = watch_switch("card-switched")
    result["steps"]["card"] = {"online": online, "english": english, "qr_drawn_ms": drawn, "switch": switch, "worker": worker,
                               "wall_ms": (time.time() - started) * 1000}

    # 4b. A second holder signs in on the same browser without logging out
    # (review 2, item 2): every code the card page draws from then on, from
    # its first frame, must be the second holder's. A script that runs before
    # the page's own records each code drawn with the name beside it.
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": SHOWN})
    driver.get(base + "/login")
    wait.until(lambda d: d.find_element(By.ID, "login"))
    human_check_done()
    driver.find_element(By.ID, "login").send_keys(config["second"]["login"])
    driver.find_element(By.ID, "password").send_keys(config["second"]["password"] + Keys.ENTER)
    wait.until(lambda d: d.current_url.endswith("/card"))
    wait.until(lambda d: d.find_element(By.ID, "card").get_attribute("data-state") == "online")
    second = card_state()
    shot("card-second-holder-zh-Hant")
    kept = json.loads(driver.execute_script("return localStorage.getItem('alumnicard.card.v1') || 'null'") or "null")
    result["steps"]["second_holder"] = {"card": second, "shown": driver.execute_script("return window.__shown || []"),
                                        "kept_tokens": [t["token"] for t in (kept or {}).get("tokens", [])][:400]}

    # 4c. The account of one's own (issue #28), as the second holder: profile,
    # e-mail change with the mailed code, sessions, a data request; axe on
    # every page in both languages.
    own_account()

    # 5. Offline: the issuer stops, the network goes, the page reloads from what it kept.
    os.kill(int(config["issuer_pid"]), signal.SIGTERM)
    time.sleep(1)
    driver.set_network_conditions(offline=True, latency=0, download_throughput=0, upload_throughput=0)
    driver.get(base + "/card")
    wait.until(lambda d: d.find_element(By.ID, "card").get_attribute("data-state") in ("offline", "none", "refused"))
    offline = card_state()
    shot("card-offline-zh-Hant")
    offline_switch = watch_switch("card-offline-switched")
    result["steps"]["offline"] = {"first": offline, "switch": offline_switch}
    console()
except Exception:
    # What failed and what the browser showed, for whoever reads the test log.
    traceback.print_exc()
    sys.stderr.write("failed at " + driver.current_url + "\n" + driver.find_element(By.TAG_NAME, "body").text[:2000] + "\n")
    driver.save_screenshot(os.path.join(shots, "failure.png"))
    raise
finally:
    try:
        console()
    except Exception:
        pass
    driver.quit()
print(json.dumps(result, ensure_ascii=False))

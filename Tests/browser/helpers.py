"""Steps several browser tests share."""
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait


def sign_up(browser, server, prefix, next_path):
    """Signs a new learner up through the form, coming from `next_path`, and waits until the browser is back there.
    Returns the username."""
    username = "%s%d" % (prefix, int(time.time() * 1000 % 1_000_000))
    browser.delete_all_cookies()
    browser.get(server + "/signup?next=" + next_path)
    browser.find_element(By.ID, "username").send_keys(username)
    browser.find_element(By.ID, "password").send_keys("correct horse battery")
    browser.find_element(By.CSS_SELECTOR, "form[action='/signup'] button[type=submit]").click()
    WebDriverWait(browser, 10).until(lambda d: d.current_url.split("#")[0].endswith(next_path))
    return username

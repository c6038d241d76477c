"""The dashboard at GET / in a real browser: headless Chromium (Debian's `chromium` and `chromium-driver`) driven
through WebDriver by Selenium, on the server under test, with real webhook receivers.

Screenshots of each screen go to $DASHBOARD_SHOTS (docs/dashboard/ holds the committed ones; set
DASHBOARD_SHOTS=docs/dashboard to refresh them), else to a temporary directory.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

import meilisearch
from common import MEILI_MASTER_KEY, MEILI_URL, new_uid, wait

SHOTS = os.environ.get("DASHBOARD_SHOTS") or tempfile.mkdtemp(prefix="dashboard-shots-")


class Hooks:
    """Two real receivers on one port: `/ok` answers 200, `/fail` 500; every request is kept."""

    def __init__(self) -> None:
        received: list[tuple[str, dict[str, str]]] = []
        self.received = received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                self.send_response(200 if self.path == "/ok" else 500)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def ids(self, path: str) -> list[str]:
        return [headers["webhook-id"] for p, headers in self.received if p == path]


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    for arg in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,900"]:
        options.add_argument(arg)
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not binary or not driver_path:
        pytest.fail("the dashboard tests need Debian's `chromium` and `chromium-driver` (apt-get install chromium chromium-driver)")
    options.binary_location = binary
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def until(browser: WebDriver, what: str, check: Any, timeout: float = 30) -> Any:
    # The page re-renders as it polls: an element may go stale between two looks.
    wait = WebDriverWait(browser, timeout, poll_frequency=0.1, ignored_exceptions=(StaleElementReferenceException,))
    return wait.until(lambda _: check(), message=what)


def use_key(browser: WebDriver, key: str) -> None:
    field = browser.find_element(By.ID, "key")
    field.clear()
    field.send_keys(key)
    browser.find_element(By.ID, "use-key").click()


def tab(browser: WebDriver, name: str) -> None:
    browser.find_element(By.CSS_SELECTOR, f"button.tab[data-tab='{name}']").click()


def shot(browser: WebDriver, name: str) -> None:
    os.makedirs(SHOTS, exist_ok=True)
    browser.save_screenshot(os.path.join(SHOTS, name))


def test_tasks_search_and_deliveries_in_a_browser(client: meilisearch.Client, browser: WebDriver) -> None:
    hooks = Hooks()
    ok = client.http.post("webhooks", {"url": hooks.url("/ok")})["uuid"]
    failing = client.http.post("webhooks", {"url": hooks.url("/fail")})["uuid"]
    browser.get(MEILI_URL + "/")
    use_key(browser, MEILI_MASTER_KEY)

    # Tasks appear as they finish, live.
    uid = new_uid("dash")
    index = client.index(uid)
    task = wait(client, index.add_documents([{"id": 1, "title": "Wonder Woman"}, {"id": 2, "title": "Carol"}], "id"))
    row = f"#task-rows tr[data-uid='{task.uid}']"
    until(browser, "the finished task listed", lambda: "succeeded" in browser.find_element(By.CSS_SELECTOR, row).text)
    browser.find_element(By.CSS_SELECTOR, row).click()
    until(browser, "its details and batch", lambda: '"indexedDocuments": 2' in browser.find_element(By.ID, "task-detail").text
          and browser.find_element(By.ID, "batch-detail").is_displayed())
    shot(browser, "tasks.png")

    # A search shows highlighted hits; the documents are listed.
    tab(browser, "indexes")
    until(browser, "the index listed", lambda: uid in browser.find_element(By.ID, "index-rows").text)
    next(r for r in browser.find_elements(By.CSS_SELECTOR, "#index-rows tr") if uid in r.text).click()
    until(browser, "its documents", lambda: "Carol" in browser.find_element(By.ID, "docs").text)
    browser.find_element(By.ID, "q").send_keys("wondr")
    # With a typo, Meilisearch highlights as many letters as were typed.
    until(browser, "a highlighted hit", lambda: [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#hits em")] == ["Wonde"])
    shot(browser, "search.png")

    # Deliveries: the failing webhook shows its attempts; a delivered one goes again on request.
    tab(browser, "webhooks")
    until(browser, "both webhooks listed", lambda: ok in browser.find_element(By.ID, "webhook-rows").text
          and failing in browser.find_element(By.ID, "webhook-rows").text)
    next(r for r in browser.find_elements(By.CSS_SELECTOR, "#webhook-rows tr") if failing in r.text).click()
    until(browser, "a failed attempt shown", lambda: "500" in browser.find_element(By.ID, "delivery-rows").text)
    shot(browser, "webhook-failing.png")
    until(browser, "the delivery received", lambda: len(hooks.ids("/ok")) >= 1)
    first = hooks.ids("/ok")[0]
    next(r for r in browser.find_elements(By.CSS_SELECTOR, "#webhook-rows tr") if ok in r.text).click()
    delivery = f"#delivery-rows tr[data-id='{first}']"
    until(browser, "the delivery listed", lambda: "delivered" in browser.find_element(By.CSS_SELECTOR, delivery).text)
    buttons = browser.find_element(By.CSS_SELECTOR, delivery).find_elements(By.TAG_NAME, "button")
    next(b for b in buttons if b.text == "Payload").click()
    until(browser, "the payload decoded", lambda: '"details.indexedDocuments":2' in browser.find_element(By.ID, "payload").text)
    shot(browser, "deliveries.png")
    next(b for b in buttons if b.text == "Redeliver").click()
    until(browser, "the delivery sent again, with the same id", lambda: hooks.ids("/ok").count(first) >= 2)

    # A key that may only search sees no webhooks.
    search_key = client.create_key({"actions": ["search"], "indexes": ["*"], "expiresAt": None}).key
    use_key(browser, search_key)
    until(browser, "webhooks refused", lambda: "The provided API key is invalid" in browser.find_element(By.ID, "problem").text)
    assert browser.find_elements(By.CSS_SELECTOR, "#webhook-rows tr") == []
    shot(browser, "search-only-key.png")
    assert search_key not in browser.current_url and MEILI_MASTER_KEY not in browser.current_url

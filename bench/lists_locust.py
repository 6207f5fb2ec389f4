"""The locustfile `bench.lists` runs (headless, in a process of its own): a manufacturer's
mixed workload against the portal, and a logged-in constant view to compare it with.

Reads its data from the JSON file BENCH_LISTS_DATA names: the login e-mail and password, an API
token, the filing references and the dashboard's and API's page counts. Each simulated user logs
in once (password only: a manufacturer's preparer has no second factor), then:

  dashboard       the dashboard's first page
  dashboard deep  a random dashboard page, to the last
  search          the dashboard searched (a model name), a random page of the result
  api list        a random page of GET /api/v1/filings/ (token)
  detail          a random filing's page
  constant        GET /filings/new/: a logged-in page that reads no filing (the yardstick)
"""

from __future__ import annotations

import json
import os
import random
import re
from typing import Any

from locust import HttpUser, between, task

DATA: dict[str, Any] = json.loads(open(os.environ["BENCH_LISTS_DATA"]).read())  # noqa: SIM115
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Manufacturer(HttpUser):
    wait_time = between(0.05, 0.25)

    def on_start(self) -> None:
        form = self.client.get("/accounts/login/", name="login")
        match = CSRF.search(form.text)
        with self.client.post("/accounts/login/", name="login", catch_response=True, data={
                "csrfmiddlewaretoken": match.group(1) if match else "",
                "username": DATA["email"], "password": DATA["password"]}) as response:
            if "Log out" not in response.text:
                response.failure("the login did not succeed")

    @task(3)
    def dashboard(self) -> None:
        self.client.get("/", name="dashboard")

    @task(3)
    def dashboard_deep(self) -> None:
        self.client.get(f"/?page={random.randint(2, DATA['pages'])}", name="dashboard deep")

    @task(2)
    def search(self) -> None:
        self.client.get(f"/?q={DATA['search']}&page={random.randint(1, DATA['search_pages'])}",
                        name="search")

    @task(2)
    def api_list(self) -> None:
        self.client.get(f"/api/v1/filings/?page={random.randint(1, DATA['api_pages'])}",
                        headers={"Authorization": f"Token {DATA['token']}"}, name="api list")

    @task(2)
    def detail(self) -> None:
        self.client.get(f"/filings/{random.choice(DATA['references'])}/", name="detail")

    @task(2)
    def constant(self) -> None:
        self.client.get("/filings/new/", name="constant")

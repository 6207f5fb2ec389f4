#!/usr/bin/env python3
"""File a filing through the portal's API and wait for its assessment.

    CVC_API_TOKEN=cvc_… python docs/api-example.py --base-url http://127.0.0.1:8000 \
        --workbook tests/data/us-pickup-japan-minerals.xlsx

Make the token on the portal's "API tokens" page as a signer (a preparer's token cannot submit).
Each write sends an Idempotency-Key, so a retry after a network error never files twice.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default=os.environ.get("CVC_API_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--workbook", type=Path,
                        default=ROOT / "tests" / "data" / "us-pickup-japan-minerals.xlsx")
    parser.add_argument("--timeout", type=float, default=120, help="seconds to wait for the result")
    args = parser.parse_args()
    token = os.environ.get("CVC_API_TOKEN", "").strip()
    if not token:
        print("Set CVC_API_TOKEN to an API token: make one on the portal's API tokens page "
              "(log in as a preparer or signer, then API tokens).", file=sys.stderr)
        return 2
    api = requests.Session()
    api.headers["Authorization"] = f"Token {token}"
    base = f"{args.base_url.rstrip('/')}/api/v1"

    def call(method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = api.request(method, f"{base}{path}", timeout=60, **kwargs)
        if response.status_code >= 400:  # every error has the same shape
            problem = response.json()
            sys.exit(f"{method} {path}: {response.status_code} {problem['title']}: {problem['detail']}")
        body: dict[str, Any] = response.json()
        return body

    def key() -> dict[str, str]:
        return {"Idempotency-Key": str(uuid.uuid4())}

    filing = call("POST", "/filings/", headers=key(), json={
        "make": "Granite Motor Company", "model": "Ironwood EV", "model_year": 2024,
        "vehicle_class": "pickup", "coverage_start": "2024-06-01", "coverage_end": "2024-12-31"})
    ref = filing["reference"]
    print(f"Created filing {ref} ({filing['state']})")
    with args.workbook.open("rb") as workbook:
        uploaded = call("POST", f"/filings/{ref}/evidence/", headers=key(), data={"kind": "evidence"},
                        files={"file": (args.workbook.name, workbook, XLSX)})
    print(f"Uploaded {uploaded['original_name']} ({uploaded['size']} bytes)")
    call("POST", f"/filings/{ref}/submit/", headers=key(), json={"attestation_confirmed": True})
    print("Submitted; waiting for the assessment…")
    deadline = time.monotonic() + args.timeout
    status = call("GET", f"/filings/{ref}/assessment/")
    while status["assessment_pending"]:
        if time.monotonic() > deadline:
            sys.exit(f"Still {status['state']} after {args.timeout:.0f} s; try again later.")
        time.sleep(1)
        status = call("GET", f"/filings/{ref}/assessment/")
    assessment = status["assessment"]
    if status["state"] == "invalid" or not assessment or not assessment["valid"]:
        print(f"Outcome: {status['state_label']}")
        for error in call("GET", f"/filings/{ref}/evidence-errors/")["errors"]:
            where = ", ".join(f"{k} {error[k]}" for k in ("sheet", "row", "column") if error.get(k))
            print(f"  - {where}: {error['message']}" if where else f"  - {error['message']}")
        return 1
    low, high = assessment["credit_min_usd"], assessment["credit_max_usd"]
    credit = f"${low:,}" if low == high else f"${low:,} to ${high:,}"
    print(f"Outcome: {status['state_label']} under rulebook {assessment['rulebook_id']} "
          f"{assessment['rulebook_version']}: credit {credit} per vehicle")
    return 0


if __name__ == "__main__":
    sys.exit(main())

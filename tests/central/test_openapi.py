"""The committed OpenAPI document is the one the service serves."""

from __future__ import annotations

import json
from pathlib import Path

from kiosk.cli.central_cmds import openapi_text

DOC = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_docs_openapi_json_is_current() -> None:
    current = openapi_text()
    assert DOC.read_text(encoding="utf-8") == current, (
        "docs/openapi.json is out of date: run `kiosk central openapi --out docs/openapi.json`")


def test_openapi_documents_the_contract() -> None:
    doc = json.loads(DOC.read_text(encoding="utf-8"))
    paths = doc["paths"]
    for path, method in [("/v1/stores/{store}/changes", "get"), ("/v1/stores/{store}/scenes/{scene_id}", "put"),
                         ("/v1/images/{image_id}", "get"), ("/v1/stores/{store}/events", "post"),
                         ("/v1/stores/{store}/handoffs", "post"), ("/v1/stores/{store}/status", "get")]:
        assert method in paths[path], (path, method)
    changes = paths["/v1/stores/{store}/changes"]["get"]
    assert {"304", "401", "403", "410"} <= set(changes["responses"])
    assert "bearer" in json.dumps(doc["components"]["securitySchemes"]).lower()

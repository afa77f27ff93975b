"""The web app's typed API client is generated from the gateway's OpenAPI document; both
steps must be current, or the frontend and the contract drift apart."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"


def test_web_openapi_document_is_current():
    result = subprocess.run(
        [sys.executable, "scripts/openapi_dump.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_web_client_types_are_current():
    assert (WEB / "node_modules" / ".bin" / "openapi-typescript").exists(), "run `make web`"
    result = subprocess.run(
        ["npm", "run", "--silent", "client:check"],
        cwd=WEB,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, (
        "web/src/api/schema.d.ts is stale: run `make web-client`\n" + result.stdout + result.stderr
    )

"""Write web/openapi.json, the API document the web app's typed client is generated from,
without running any service.

python scripts/openapi_dump.py          # rewrite web/openapi.json
python scripts/openapi_dump.py --check  # exit 1 if web/openapi.json is stale (CI)
"""

import json
import sys
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import gateway.service  # noqa: E402, F401  (registers every route)
from gateway.openapi import openapi_document  # noqa: E402

TARGET = Path(__file__).resolve().parent.parent / "web" / "openapi.json"


def render():
    return json.dumps(openapi_document(), indent=2, sort_keys=True) + "\n"


def main(argv):
    text = render()
    if "--check" in argv:
        if not TARGET.exists() or TARGET.read_text() != text:
            print(f"{TARGET} is stale: run `make web-client`", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

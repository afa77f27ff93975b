"""A throw-away webhook receiver for trying exhibitor webhooks by hand.

    python scripts/webhook_receiver.py --port 9999 [--secret whsec_...]

Prints every delivery it receives and, given the endpoint's secret, whether its
Standard Webhooks signature verifies. Answers 204 (or --status, to watch retries).
"""

import argparse
import http.server
import json

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=9999)
    parser.add_argument("--secret", help="the endpoint's whsec_ secret, to verify signatures")
    parser.add_argument("--status", type=int, default=204, help="HTTP status to answer with")
    args = parser.parse_args()

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {k.lower(): v for k, v in self.headers.items()}
            print(f"--- {self.path} webhook-id={headers.get('webhook-id')}", flush=True)
            if args.secret:
                try:
                    Webhook(args.secret).verify(body, headers)
                    print("signature: valid", flush=True)
                except WebhookVerificationError as exc:
                    print(f"signature: INVALID ({exc})", flush=True)
            print(json.dumps(json.loads(body), indent=2), flush=True)
            self.send_response(args.status)
            self.end_headers()

        def log_message(self, *_):
            pass

    print(f"listening on http://127.0.0.1:{args.port}/hooks", flush=True)
    http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Receiver).serve_forever()


if __name__ == "__main__":
    main()

"""A real RFC 3161 timestamp authority on 127.0.0.1 for the signing tests.

It is pyHanko's own ``DummyTimeStamper`` (a complete TSA: it parses the TimeStampReq, signs a TSTInfo with the
TSA certificate, echoes the nonce) behind a small HTTP server speaking ``application/timestamp-query`` /
``application/timestamp-reply``. So the app's ordinary HTTP client talks to a TSA over a socket exactly as it
would to a public one, and its tokens are checked by the same validator; a mock of the client would test
nothing of that. The certificate comes from tests/pki.py with the timeStamping extended key usage.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from asn1crypto import keys, tsp, x509
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from tests.pki import TestCA, timestamping_authority


@contextmanager
def running_tsa(ca: TestCA):
    """Yield the URL of a TSA whose certificate ``ca`` issued; the server stops when the block ends."""
    cert_der, key_der = timestamping_authority(ca)
    stamper = DummyTimeStamper(tsa_cert=x509.Certificate.load(cert_der), tsa_key=keys.PrivateKeyInfo.load(key_der))
    served = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802  (http.server's naming)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.headers.get("Content-Type") != "application/timestamp-query":
                self.send_error(415)
                return
            reply = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            served.append(len(reply))
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tsa", served
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)

"""The API reference at /api/v1/docs renders in a real browser under the app's own CSP."""
from __future__ import annotations

from tests.e2e.conftest import OUT


def test_api_reference_renders_the_openapi_document(journey):
    j = journey("api-docs")
    j.page.goto("/api/v1/docs")
    # Redoc fetches /api/v1/openapi.json and renders the intro and every tagged operation.
    j.page.get_by_text("Authentication.", exact=False).first.wait_for()
    j.page.get_by_text("/api/v1/auth/token").first.wait_for(state="attached")
    j.page.get_by_text("Readiness: database, job queue and object storage answer").first.wait_for(state="attached")
    j.page.screenshot(path=str(OUT / "api-docs-01-reference.png"))  # the first screen; the whole page is huge
    # Redoc's sidebar badge points at its vendor's CDN; the CSP blocks it on purpose (no third-party requests).
    j.errors = [e for e in j.errors if "cdn.redoc.ly" not in e]
    j.assert_no_console_errors()

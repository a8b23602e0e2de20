from openapi_spec_validator import validate


def test_openapi_document_validates_and_covers_every_api_route(app, client):
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    doc = resp.get_json()
    validate(doc)
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    import re

    for rule in app.url_map.iter_rules():
        # The document itself and its HTML rendering (/api/v1/docs) are not operations of the API.
        if not rule.rule.startswith("/api/v1/") or rule.endpoint in {"openapi", "api_docs"}:
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, f"{method} {path} missing from OpenAPI"


def test_protected_operations_declare_bearer_security(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert "security" not in doc["paths"]["/api/v1/auth/token"]["post"]
    assert doc["paths"]["/api/v1/me"]["get"]["security"] == [{"bearer": []}]
    assert "401" in doc["paths"]["/api/v1/me"]["get"]["responses"]


def test_vendored_libraries_are_served_once_for_every_feature(client):
    for path in ("katex/katex.min.js", "katex/katex.min.css", "hls/hls.min.js"):
        resp = client.get(f"/static/vendor/{path}")
        assert resp.status_code == 200 and len(resp.data) > 1000, path
    assert client.get("/static/vendor/../lms/app.py").status_code == 404


def test_vendored_files_match_their_manifest_pins():
    import hashlib
    import re
    from pathlib import Path

    vendor = Path(__file__).resolve().parents[2] / "vendor"
    rows = re.findall(r"^\| `([^`]+)` \|.*\| `([0-9a-f]{64})` \|$", (vendor / "MANIFEST.md").read_text(), re.M)
    assert len(rows) >= 5
    for name, pinned in rows:
        assert hashlib.sha256((vendor / name).read_bytes()).hexdigest() == pinned, name


def test_api_reference_page_uses_the_vendored_redoc(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert 'spec-url="/api/v1/openapi.json"' in html and "/static/vendor/redoc/redoc.standalone.js" in html
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert client.get("/static/vendor/redoc/redoc.standalone.js").status_code == 200


def test_main_operations_carry_descriptions_and_examples(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    token = paths["/api/v1/auth/token"]["post"]
    assert "Bearer" in token["description"] and token["description"].endswith("Allowed: anyone.")
    assert token["requestBody"]["content"]["application/json"]["example"]["username"]
    assert token["responses"]["200"]["content"]["application/json"]["example"]["user"]["role"] == "teacher"
    assert "example" in paths["/api/v1/lectures"]["post"]["requestBody"]["content"]["application/json"]
    for path, method in (("/api/v1/media", "post"), ("/api/v1/attempts/{attempt_id}/submit", "post")):
        assert len(paths[path][method]["description"]) > 80, path


def test_every_request_example_is_valid_for_its_schema(app):
    checked = 0
    for view in app.view_functions.values():
        doc = getattr(view, "api_doc", None)
        if doc is not None and doc.example_body is not None:
            with app.test_request_context():
                assert doc.body().validate(doc.example_body) == {}, view.__name__
            checked += 1
    assert checked >= 3

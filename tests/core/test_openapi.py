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


def _operations(doc):
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            yield path, method, op


def test_every_operation_with_input_documents_its_problem_responses(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    for path, method, op in _operations(doc):
        codes = set(op["responses"])
        has_query = any(p.get("in") == "query" for p in op.get("parameters", []))
        if "requestBody" in op or has_query:
            assert {"400", "422"} <= codes, (method, path)
        if "application/json" in op.get("requestBody", {}).get("content", {}):
            assert {"413", "415"} <= codes, (method, path)
        if "{" in path:
            assert "404" in codes, (method, path)
        for code, response in op["responses"].items():
            if int(code) >= 400:
                assert list(response["content"]) == ["application/problem+json"], (method, path, code)


def test_scores_are_documented_as_decimal_strings_as_they_are_sent(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    attempt = doc["components"]["schemas"]["ExamAttemptOut"]["properties"]
    assert attempt["score"]["type"] == "string" and attempt["score"]["format"] == "decimal"
    assert attempt["score_10"]["pattern"] == r"^-?[0-9]+(\.[0-9]{1,1})?$"
    # Statistics (means, deviations) and search relevance are floats, documented as numbers; grades never are.
    for name, schema in doc["components"]["schemas"].items():
        if name.startswith("Search"):
            continue
        for field, prop in schema.get("properties", {}).items():
            # A package's score is SCORM's scaled score, a ratio 0..1 like watched_ratio, not a grade.
            if name.startswith(("LectureProgress", "LecturePackage")) and field == "score":
                continue
            if field in ("score", "score_10", "points", "max_points"):
                assert prop.get("type") != "number", (name, field)


def test_file_routes_document_what_they_send(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    media_file = doc["paths"]["/api/v1/media/{asset_id}/file"]["get"]["responses"]
    assert "302" in media_file and "200" not in media_file and "Location" in media_file["302"]["headers"]
    results = doc["paths"]["/api/v1/exams/{exam_id}/results"]["get"]["responses"]["200"]["content"]
    assert {"application/json", "text/csv",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"} <= set(results)
    started = doc["paths"]["/api/v1/exams/{exam_id}/attempts"]["post"]["responses"]
    assert "201" in started and "200" in started  # created, or resumed

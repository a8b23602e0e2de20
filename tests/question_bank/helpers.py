"""Small builders shared by the question-bank API tests."""
from __future__ import annotations

SINGLE = {
    "type": "single_choice", "subject": "toan", "grade": 10, "level": "nhan_biet",
    "stem": "<p>Nghiệm của phương trình $x^2 = 4$ là</p>",
    "options": [{"text": "$x = 2$", "correct": False}, {"text": "$x = \\pm 2$", "correct": True},
                {"text": "$x = -2$", "correct": False}, {"text": "Vô nghiệm", "correct": False}],
    "explanation": "<p>Lấy căn hai vế.</p>",
}


def question(**overrides) -> dict:
    """A valid single-choice write payload with ``overrides`` applied."""
    return {**SINGLE, **overrides}


def create(client, **overrides) -> dict:
    """POST a question and return its JSON (asserting 201)."""
    resp = client.post("/questions", json=question(**overrides))
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def publish_shared(owner, department, qid: int) -> None:
    """Submit to the department and approve."""
    assert owner.post(f"/questions/{qid}/submit", json={}).status_code == 200
    assert department.post(f"/questions/{qid}/review", json={"decision": "approve"}).status_code == 200

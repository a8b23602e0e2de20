"""CPU per autosave in one process, without a server or contention: the cost of the save path itself.

Seeds a fresh database (a temp SQLite file, or a throwaway PostgreSQL database next to the URL given), starts
an attempt of the 40-question bench exam and times 5 x 300 autosaves of 3 answers through the Flask test
client (``time.process_time``, so other load on the machine matters less). Give a source tree to compare
commits (``git archive <commit> | tar -x -C /tmp/base``; bench/ordering_cost.sh does the same with a server)::

    .venv/bin/python bench/autosave_cpu.py [tree] [database-url]
"""
import json
import random
import sys
import tempfile
import time
from pathlib import Path

tree = sys.argv[1] if len(sys.argv) > 1 else str(Path(__file__).resolve().parent.parent)
sys.path.insert(0, tree)
sys.path.insert(0, tree + "/bench")


def main() -> None:
    import exam_day_bench

    data = tempfile.mkdtemp(prefix="autosave-cpu-")
    url = sys.argv[2] if len(sys.argv) > 2 else f"sqlite:///{data}/lms.db"
    drop = None
    if url.startswith("postgres"):
        url, drop = exam_day_bench.create_database(url)
    try:
        seeded = exam_day_bench.seed({"DATABASE_URL": url, "LMS_DATA_DIR": data, "SECRET_KEY": "x" * 40}, 4)
        from lms.app import create_app

        client = create_app().test_client()
        headers = {"Authorization": f"Bearer {seeded['tokens'][0]}", "Content-Type": "application/json"}
        doc = client.post(f"/api/v1/exams/{seeded['exam_id']}/attempts", headers=headers).get_json()
        questions = [(str(q["id"]), [o["id"] for o in q["options"]]) for q in doc["questions"]]
        url_save = f"/api/v1/attempts/{doc['id']}/answers"
        rng = random.Random(1)

        def save() -> None:
            answers = {q: rng.choice(options) for q, options in rng.sample(questions, 3)}
            resp = client.put(url_save, data=json.dumps({"answers": answers}), headers=headers)
            assert resp.status_code == 200, resp.get_json()

        for _ in range(200):  # warm caches (question bodies, compiled statements)
            save()
        runs = []
        for _ in range(5):
            began = time.process_time()
            for _ in range(300):
                save()
            runs.append((time.process_time() - began) / 300 * 1000)
        print(f"{tree} on {url.split(':', 1)[0]}: CPU per autosave {' '.join(f'{r:.2f}' for r in runs)} ms; "
              f"min {min(runs):.2f} ms")
    finally:
        if drop is not None:
            drop()


if __name__ == "__main__":
    main()

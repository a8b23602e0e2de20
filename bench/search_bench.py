"""Search benchmark: build a synthetic Vietnamese index and time mixed queries.

    .venv/bin/python bench/search_bench.py                  # 100,000 questions + 10,000 lectures
    .venv/bin/python bench/search_bench.py --n 5000         # scaled down (lectures default to n/10)
    .venv/bin/python bench/search_bench.py --index-dir bench/out/search-100k   # build once, then reuse
    # the postgres backend (SEARCH_BACKEND=postgres) in a throwaway database next to the one named:
    .venv/bin/python bench/search_bench.py --backend postgres --pg postgresql+psycopg://postgres@127.0.0.1/test
    .venv/bin/python bench/search_bench.py --backend both --pg ... --n 20000      # both, same corpus and queries
    .venv/bin/python bench/search_bench.py --n 5000 --pg ... --ilike             # the old ILIKE baseline
    .venv/bin/python bench/search_bench.py --backend both --pg ... --build-only  # indexing speed only

With ``--index-dir`` the whoosh index is kept: it is built only if the directory holds no index (or with
``--rebuild``), so query changes can be timed again without re-indexing. Every timing line is printed with
the machine's load average (``os.getloadavg``), because the box is shared.

Reports indexing speed (docs/s), index size, how soon a new document is found, and p50/p95/p99 latency of
500 queries mixing folded, exact, phrase, faceted and permission-filtered searches, all with facets and the
caller's permission filter: a cold pass (the first after the build, on a new connection) and a warm one.
The postgres backend runs through the app (migrations, ``PostgresIndex``), each search in its own app
context and transaction as a request would.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lms.search.analysis import fold  # noqa: E402
from lms.search.documents import Allow  # noqa: E402
from lms.search.whoosh_backend import SearchIndex  # noqa: E402

# Real words of the school curriculum, mostly two-syllable compounds, so phrase and folding behave as
# they would on real question banks.
WORDS = """
học sinh|giáo viên|bài giảng|bài tập|kiểm tra|đề thi|câu hỏi|đáp án|lời giải|phương trình|bất phương trình|
hàm số|đạo hàm|tích phân|nguyên hàm|giới hạn|dãy số|cấp số cộng|cấp số nhân|xác suất|thống kê|hình học|
tam giác|đường tròn|đường thẳng|mặt phẳng|hình chóp|lăng trụ|thể tích|diện tích|chu vi|góc|cạnh|đỉnh|
số phức|logarit|lũy thừa|căn bậc hai|phân số|số thập phân|tỉ số|phần trăm|chuyển đổi số|công nghệ|
tin học|thuật toán|lập trình|dữ liệu|mạng máy tính|an toàn thông tin|vật lí|dao động|sóng cơ|điện trường|
từ trường|dòng điện|điện trở|công suất|năng lượng|động năng|thế năng|gia tốc|vận tốc|lực ma sát|
hóa học|phản ứng|nguyên tử|phân tử|liên kết|axit|bazơ|muối|kim loại|oxi hóa|khử|dung dịch|nồng độ|
sinh học|tế bào|di truyền|tiến hóa|sinh thái|quang hợp|hô hấp|enzim|gen|nhiễm sắc thể|
ngữ văn|tác phẩm|nhân vật|tác giả|thơ|truyện ngắn|nghị luận|văn bản|biện pháp tu từ|ẩn dụ|hoán dụ|
lịch sử|cách mạng|kháng chiến|độc lập|thống nhất|đổi mới|địa lí|khí hậu|dân số|kinh tế|nông nghiệp|
công nghiệp|du lịch|tiếng anh|ngữ pháp|từ vựng|đọc hiểu|giáo dục công dân|pháp luật|quyền|nghĩa vụ|
trường học|lớp học|thực hành|thí nghiệm|quan sát|so sánh|giải thích|chứng minh|tính toán|xác định|
nhận biết|thông hiểu|vận dụng|vận dụng cao|đúng|sai|lựa chọn|điền khuyết|ghép nối|sắp xếp|tự luận
""".replace("\n", "").split("|")
WORDS = [w.strip() for w in WORDS if w.strip()]
FILLER = "của và là các những một cho với trong khi được có không này đó theo sau trước nếu thì".split()
SUBJECTS = ["toan", "ngu-van", "tieng-anh", "vat-li", "hoa-hoc", "sinh-hoc", "lich-su", "dia-li", "tin-hoc", "gdcd"]
LEVELS = ["nhan_biet", "thong_hieu", "van_dung", "van_dung_cao"]
QTYPES = ["single_choice", "multiple_choice", "true_false_group", "short_answer", "essay"]
SCHOOLS, TEACHERS, CLASSES = 20, 400, 600


def sentence(rng: random.Random, words: int) -> str:
    # Zipf-like: low-index words are common, as curriculum vocabulary is.
    parts = []
    for _ in range(words):
        if rng.random() < 0.35:
            parts.append(rng.choice(FILLER))
        else:
            parts.append(WORDS[min(int(rng.paretovariate(1.1)) - 1, len(WORDS) - 1) if rng.random() < 0.5
                               else rng.randrange(len(WORDS))])
    return " ".join(parts)


def make_docs(n_questions: int, n_lectures: int, seed: int):
    """Yield synthetic question and lecture documents in the shape SearchIndex.upsert accepts."""
    rng = random.Random(seed)
    for i in range(1, n_questions + 1):
        stem = sentence(rng, rng.randint(12, 40))
        if rng.random() < 0.3:
            stem += rf" $\frac{{{rng.randint(1, 9)}}}{{x^2+{rng.randint(1, 9)}}}$"
        yield {
            "type": "question", "obj_id": i, "title": sentence(rng, rng.randint(4, 9)).capitalize(),
            "body": f"<p>{stem}</p>", "teacher_only": f"<p>{sentence(rng, rng.randint(8, 25))}</p>",
            "subject": rng.choice(SUBJECTS), "grade": rng.randint(1, 12), "level": rng.choice(LEVELS),
            "status": rng.choices(["published", "draft", "in_review"], [6, 3, 1])[0],
            "qtype": rng.choice(QTYPES), "visibility": rng.choice(["private", "school", "shared"]),
            "owner_id": rng.randint(1, TEACHERS), "school_id": rng.randint(1, SCHOOLS), "audience": "staff",
            "updated_at": f"2026-09-{rng.randint(1, 28):02d}T08:00:00+07:00",
        }
    for i in range(1, n_lectures + 1):
        yield {
            "type": "lecture", "obj_id": i, "title": sentence(rng, rng.randint(4, 10)).capitalize(),
            "body": "".join(f"<p>{sentence(rng, rng.randint(20, 60))}</p>" for _ in range(rng.randint(1, 4))),
            "subject": rng.choice(SUBJECTS), "grade": rng.randint(1, 12),
            "status": rng.choices(["published", "draft", "in_review"], [7, 2, 1])[0],
            "visibility": rng.choice(["private", "class", "school", "shared"]),
            "owner_id": rng.randint(1, TEACHERS), "school_id": rng.randint(1, SCHOOLS),
            "class_ids": rng.sample(range(1, CLASSES + 1), rng.randint(1, 3)),
            "updated_at": f"2026-09-{rng.randint(1, 28):02d}T08:00:00+07:00",
        }


def student_allow(school_id: int, class_ids: list[int]) -> Allow:
    return Allow(any_of=[
        {"type": "lecture", "visibility": "shared", "status": "published"},
        {"type": "lecture", "visibility": "school", "school_id": str(school_id), "status": "published"},
        {"type": "lecture", "visibility": "class", "class_ids": [str(c) for c in class_ids], "status": "published"},
    ])


def teacher_allow(user_id: int, school_id: int) -> Allow:
    return Allow(any_of=[
        {"visibility": "shared", "status": "published"},
        {"visibility": "school", "school_id": str(school_id)},
        {"owner_id": str(user_id)},
    ])


def make_queries(count: int, seed: int):
    """Return ``count`` (kind, text, kwargs, teacher_fields) tuples mixing the five query kinds."""
    rng = random.Random(seed + 1)
    kinds = ["folded", "exact", "phrase", "faceted", "permission"]
    queries = []
    for i in range(count):
        kind = kinds[i % len(kinds)]
        words = rng.sample(WORDS, 2)
        allow = teacher_allow(rng.randint(1, TEACHERS), rng.randint(1, SCHOOLS))
        kwargs, teacher = {}, True
        if kind == "folded":
            text = fold(" ".join(words))
        elif kind == "exact":
            text = words[0]
        elif kind == "phrase":
            text = rng.choice([w for w in WORDS if w.count(" ") == 1])
        elif kind == "faceted":
            text = fold(words[0])
            kwargs = {"subject": rng.choice(SUBJECTS), "grade": rng.randint(1, 12)}
        else:
            text = words[0]
            allow = student_allow(rng.randint(1, SCHOOLS), rng.sample(range(1, CLASSES + 1), 2))
            teacher = False
        queries.append((kind, text, dict(kwargs, allow=allow), teacher))
    return queries


def load() -> str:
    """Return the 1/5/15-minute load average and the CPU count, to print next to every measurement."""
    one, five, fifteen = os.getloadavg()
    return f"load avg {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def percentiles(samples_ms: list[float]) -> str:
    cuts = statistics.quantiles(samples_ms, n=100, method="inclusive")
    return f"p50 {cuts[49]:7.1f} ms  p95 {cuts[94]:7.1f} ms  p99 {cuts[98]:7.1f} ms  (n={len(samples_ms)})"


def dir_size(path: str) -> int:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def build_index(path: str, docs, batch: int) -> tuple[SearchIndex, int, float]:
    """Build a whoosh index of ``docs`` as a rebuild does (``SearchIndex.bulk(replace=True)``: one writer,
    batches of ``batch`` documents, one commit); returns the index, the count and the wall seconds (the CPU
    seconds and peak memory are printed)."""
    index = SearchIndex(path)
    cpu = time.process_time()
    started, written, chunk = time.perf_counter(), 0, []
    with index.bulk(replace=True) as writer:
        for doc in docs:
            chunk.append(doc)
            if len(chunk) == batch:
                written += writer.upsert(chunk)
                chunk = []
        written += writer.upsert(chunk)
    print(f"whoosh: {written / max(time.process_time() - cpu, 1e-9):.0f} docs per CPU-second; peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    return index, written, time.perf_counter() - started


def time_refresh(index: SearchIndex) -> tuple[float, float, float, float]:
    """Return ms for an up-to-date check, for a refresh after a one-document commit, and the median and
    worst ms from starting that commit to a search that finds the new document (the "searchable within
    2 s" goal: commit + reopen + the first search on the new searcher)."""
    allow = Allow.everything()
    index.search("học sinh", allow=allow)
    rounds = 200
    started = time.perf_counter()
    for _ in range(rounds):
        index.refresh()
    check_ms = (time.perf_counter() - started) * 1000 / rounds
    reopen, visible = [], []
    for i in range(5):
        obj_id = 10_000_000 + i
        started = time.perf_counter()
        index.upsert([{"type": "question", "obj_id": obj_id, "title": "Làm mới bộ tìm kiếm",
                       "body": f"<p>Câu hỏi mới số {obj_id}</p>", "subject": "toan", "grade": 10,
                       "status": "published", "visibility": "shared", "owner_id": 1, "school_id": 1}])
        committed = time.perf_counter()
        index.refresh()
        reopen.append((time.perf_counter() - committed) * 1000)
        found = index.search(f"lam moi bo tim kiem {obj_id}", allow=allow, subject="toan")
        assert [item["id"] for item in found.items] == [obj_id], found.items
        visible.append((time.perf_counter() - started) * 1000)
    index.delete([f"question:{10_000_000 + i}" for i in range(5)])
    return check_ms, statistics.median(reopen), statistics.median(visible), max(visible)


def _cpu_ns(pids) -> int:
    """CPU time (ns) used so far by this process and the given processes (/proc/PID/schedstat), so a query's
    cost can be told apart from waiting for a core on a shared machine."""
    total = time.process_time_ns()
    for pid in pids:
        try:
            with open(f"/proc/{pid}/schedstat") as fh:
                total += int(fh.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total


def run_search(index, queries, server_pids=lambda: ()) -> dict[str, list[float]]:
    """Time every query on ``index`` (either backend): ``{kind: [wall ms, ...], "cpu": [cpu ms, ...]}``.

    CPU is this process plus ``server_pids()`` (the PostgreSQL backends serving it): what the query would
    take on an idle core. Wall time is what a user waited on this (shared) machine.
    """
    timings: dict[str, list[float]] = {}
    pids = tuple(server_pids())
    for kind, text, kwargs, teacher in queries:
        cpu, started = _cpu_ns(pids), time.perf_counter()
        index.search(text, teacher_fields=teacher, **kwargs)
        timings.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
        timings.setdefault("cpu", []).append((_cpu_ns(pids) - cpu) / 1e6)
    return timings


def report(title: str, timings: dict[str, list[float]]) -> None:
    print(f"{title} ({load()})")
    for kind, samples in timings.items():
        if kind != "cpu":
            print(f"  {kind:<11} {percentiles(samples)}")
    print(f"  {'all':<11} {percentiles([t for k, s in timings.items() if k != 'cpu' for t in s])}")
    if timings.get("cpu"):
        print(f"  {'all, CPU':<11} {percentiles(timings['cpu'])}  (client + database CPU per query)")


def run_postgres_backend(url: str, docs, queries, batch: int, keep: bool, reuse: str | None = None) -> None:
    """Build the postgres backend's index in a throwaway database through the app, then time the queries
    cold (first pass, new connections) and warm (second pass)."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = reuse or f"lms_search_bench_{uuid.uuid4().hex[:8]}"
    keep = keep or bool(reuse)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    if not reuse:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        from flask_migrate import upgrade

        from lms.app import create_app
        from lms.core.db import db
        from lms.search.postgres_backend import PostgresIndex

        data_dir = tempfile.mkdtemp(prefix="search-bench-app-")
        app = create_app({"LMS_DATA_DIR": data_dir, "SECRET_KEY": "bench-" * 8, "SEARCH_BACKEND": "postgres",
                          "DATABASE_URL": base.set(database=name).render_as_string(hide_password=False)})
        with app.app_context():
            upgrade()
        index = PostgresIndex(app)

        def server_pids():
            # Open the pool's connection so the backend that will serve the searches exists, then list it.
            with index._session() as session:
                session.execute(text("SELECT 1"))
            with admin.connect() as conn:
                return [r[0] for r in conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = :d"),
                                                   {"d": name})]

        pids = server_pids()
        started, written, chunk, cpu = time.perf_counter(), 0, [], _cpu_ns(pids)
        with app.app_context():
            if reuse:
                docs = ()  # built by an earlier --keep-db run
                print(f"postgres: reusing database {name} ({index.doc_count()} docs)")
            for doc in docs:
                chunk.append(doc)
                if len(chunk) == batch:
                    written += index.upsert(chunk)
                    db.session.commit()
                    chunk = []
            written += index.upsert(chunk)
            db.session.commit()
            seconds = max(time.perf_counter() - started, 1e-9)
            cpu_seconds = max((_cpu_ns(pids) - cpu) / 1e9, 1e-9)
        with app.app_context(), db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            # What autovacuum does soon after a bulk load: statistics, and the GIN pending lists merged.
            conn.execute(text("VACUUM ANALYZE search_documents"))
            conn.execute(text("VACUUM ANALYZE search_terms"))
        with app.app_context():
            size = db.session.execute(text("SELECT pg_total_relation_size('search_documents') + "
                                           "pg_total_relation_size('search_terms')")).scalar()
        if written:
            print(f"postgres: indexed {written} docs in {seconds:.1f} s = {written / seconds:.0f} docs/s "
                  f"(batches of {batch}, one transaction each), {written / cpu_seconds:.0f} docs per CPU-second "
                  f"(client + database); table + indexes {size / 2**20:.1f} MiB; {load()}")
        with app.app_context():
            db.engine.dispose()  # the cold pass starts on new connections
        # Searchable at commit: the time from starting an upsert to a search (another session) finding it.
        visible = []
        for i in range(5):
            obj_id = 10_000_000 + i
            started = time.perf_counter()
            with app.app_context():
                index.upsert([{"type": "question", "obj_id": obj_id, "title": "Làm mới bộ tìm kiếm",
                               "body": f"<p>Câu hỏi mới số {obj_id}</p>", "subject": "toan", "grade": 10,
                               "status": "published", "visibility": "shared", "owner_id": 1, "school_id": 1}])
                db.session.commit()
            found = index.search(f"lam moi bo tim kiem {obj_id}", allow=Allow.everything(), subject="toan")
            assert [item["id"] for item in found.items] == [obj_id], found.items
            visible.append((time.perf_counter() - started) * 1000)
        index.delete([f"question:{10_000_000 + i}" for i in range(5)])
        print(f"postgres: a new document is found {statistics.median(visible):.0f} ms (worst {max(visible):.0f} ms) "
              f"after its write started (commit included); {load()}")
        if queries:
            report("postgres backend, cold (first pass, new connections)", run_search(index, queries, server_pids))
            report("postgres backend, warm (second pass)", run_search(index, queries, server_pids))
        with app.app_context():
            db.engine.dispose()
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        else:
            print(f"kept database {name}")
        admin.dispose()


def run_postgres(url: str, docs, queries) -> dict[str, list[float]]:
    """Load the documents into a temp table and time ILIKE equivalents of the queries."""
    import psycopg

    from lms.search.analysis import clean_text

    url = url.replace("postgresql+psycopg://", "postgresql://", 1)
    timings: dict[str, list[float]] = {}
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute("""CREATE TEMP TABLE bench_docs (type text, obj_id int, title text, body text, title_f text,
            body_f text, teacher_f text, subject text, grade text, level text, status text, visibility text,
            owner_id text, school_id text, class_ids text[], audience text)""")
        started = time.perf_counter()
        with cur.copy("COPY bench_docs FROM STDIN") as copy:
            for d in docs:
                title, body = clean_text(d["title"], html=False), clean_text(d["body"])
                copy.write_row((d["type"], d["obj_id"], title, body, fold(title).lower(), fold(body).lower(),
                                fold(clean_text(d.get("teacher_only"))).lower(), d["subject"], str(d["grade"]),
                                d.get("level"), d["status"], d["visibility"], str(d["owner_id"]),
                                str(d["school_id"]), [str(c) for c in d.get("class_ids", [])], d.get("audience")))
        cur.execute("ANALYZE bench_docs")
        print(f"postgres load: {time.perf_counter() - started:.1f} s")
        for kind, text, kwargs, teacher in queries:
            sql, params = _pg_where(text, kwargs, teacher)
            started = time.perf_counter()
            cur.execute(f"""SELECT type, subject, grade, level, status, count(*) FROM bench_docs WHERE {sql}
                GROUP BY GROUPING SETS ((type), (subject), (grade), (level), (status), ())""", params)
            cur.fetchall()
            cur.execute(f"SELECT type, obj_id, title FROM bench_docs WHERE {sql} ORDER BY obj_id LIMIT 20", params)
            cur.fetchall()
            timings.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
    return timings


def _pg_where(text: str, kwargs: dict, teacher: bool) -> tuple[str, list]:
    clauses, params = [], []
    for token in fold(text).lower().split():
        fields = ["title_f", "body_f"] + (["teacher_f"] if teacher else [])
        clauses.append("(" + " OR ".join(f"{f} ILIKE %s" for f in fields) + ")")
        params += [f"%{token}%"] * len(fields)
    for name in ("subject", "grade"):
        if name in kwargs:
            clauses.append(f"{name} = %s")
            params.append(str(kwargs[name]))
    allowed = []
    for clause in kwargs["allow"].clauses:
        parts = []
        for name, values in clause:
            if name == "class_ids":
                parts.append("class_ids && %s")
                params.append(list(values))
            else:
                parts.append(f"{name} = ANY(%s)")
                params.append(list(values))
        allowed.append("(" + " AND ".join(parts) + ")")
    clauses.append("(" + " OR ".join(allowed) + ")")
    return " AND ".join(clauses), params


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="questions to generate (default 100000)")
    parser.add_argument("--lectures", type=int, help="lectures to generate (default n/10)")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--backend", choices=("whoosh", "postgres", "both"), default="whoosh")
    parser.add_argument("--batch", type=int, default=1000, help="whoosh: documents per upsert (one writer, one commit)")
    parser.add_argument("--pg-batch", type=int, default=1000, help="postgres: documents per transaction")
    parser.add_argument("--dir", "--index-dir", dest="dir",
                        help="whoosh index directory, kept afterwards and reused if it holds an index "
                             "(default: a temporary one, removed afterwards)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the index in --index-dir even if present")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--pg", help="postgresql+psycopg:// URL: the postgres backend (a throwaway database is "
                                     "created next to it) and the --ilike baseline")
    parser.add_argument("--keep-db", action="store_true", help="keep the postgres backend's bench database")
    parser.add_argument("--pg-db", help="time the queries on a database kept by an earlier --keep-db run")
    parser.add_argument("--ilike", action="store_true", help="also time the old ILIKE-scan baseline on --pg")
    parser.add_argument("--build-only", action="store_true", help="time the index build only, not the queries")
    args = parser.parse_args(argv)
    n_lectures = args.lectures if args.lectures is not None else max(1, args.n // 10)
    if args.backend != "whoosh" and not args.pg:
        parser.error("--backend postgres needs --pg URL")
    print(f"machine: {platform.platform()}, Python {platform.python_version()}; {load()}")
    print(f"corpus: {args.n} questions + {n_lectures} lectures (seed {args.seed}); {args.queries} queries")
    queries = make_queries(args.queries, args.seed)
    if args.backend in ("postgres", "both"):
        run_postgres_backend(args.pg, make_docs(args.n, n_lectures, args.seed), [] if args.build_only else queries,
                             args.pg_batch, args.keep_db, args.pg_db)
    if args.backend in ("whoosh", "both"):
        run_whoosh_bench(args, n_lectures, queries)
    if args.pg and args.ilike:
        report("postgres ILIKE baseline", run_postgres(args.pg, make_docs(args.n, n_lectures, args.seed), queries))


def run_whoosh_bench(args, n_lectures: int, queries) -> None:
    path = args.dir or tempfile.mkdtemp(prefix="search-bench-")
    try:
        existing = SearchIndex(path) if args.dir and not args.rebuild else None
        if existing is not None and existing.doc_count() > 0:
            index = existing
            print(f"reusing index {path}: {index.doc_count()} docs, {dir_size(path) / 2**20:.1f} MiB "
                  f"(--rebuild to index again)")
        else:
            if existing is not None:
                existing.close()
            index, written, seconds = build_index(path, make_docs(args.n, n_lectures, args.seed), args.batch)
            print(f"whoosh: indexed {written} docs ({args.n} questions, {n_lectures} lectures) in {seconds:.1f} s "
                  f"= {written / seconds:.0f} docs/s; size on disk {dir_size(path) / 2**20:.1f} MiB; {load()}")
        if args.build_only:
            index.close()
            return
        check_ms, reopen_ms, visible_ms, visible_max = time_refresh(index)
        print(f"whoosh searcher: up-to-date check {check_ms:.3f} ms; reopen after a commit {reopen_ms:.1f} ms; "
              f"new document found {visible_ms:.0f} ms (worst {visible_max:.0f} ms) after its commit "
              f"started; {load()}")
        index.close()
        index = SearchIndex(path)
        report("whoosh, cold (first pass, fresh searcher)", run_search(index, queries))
        report("whoosh, warm (second pass)", run_search(index, queries))
        index.close()
    finally:
        if not args.dir:
            shutil.rmtree(path, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Benchmark: import a 500-question Word paper (the size of a large teacher question bank file).

Run: ``.venv/bin/python bench/import_docx_bench.py [--questions 500] [--mathtype]``. The paper mixes the 2025 layout:
70 % single choice (every 5th with an equation, every 25th with a picture, options alternately one per line
and four on one line), 15 % true/false groups and 15 % short answers, answers marked in red/underline.
With ``--mathtype`` every choice question also carries a MathType object (OLE data from the public MTEF
corpus with its WMF preview, as Word saves them), converted to LaTeX; the timing includes the import's
picture check. ``bench/import_docx_mathtype_bench.py`` measures a paper made of MathType formulas.
Prints one result line: parse seconds (best of 3), peak traced Python memory and process max RSS.
"""
from __future__ import annotations

import argparse
import io
import platform
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from docx import Document  # noqa: E402
from docx.oxml import parse_xml  # noqa: E402

from question_bank.formats.docx import parse_docx as _parse  # noqa: E402
from tests.question_bank.formats.docx_fixtures import FRACTION_HALF, add, png_bytes  # noqa: E402
from tests.question_bank.formats.mathtype_fixtures import add_mathtype, ole  # noqa: E402


def build(questions: int, mathtype: bool = False) -> bytes:
    """A .docx paper with ``questions`` questions spread over PHẦN I/II/III."""
    document = Document()
    picture = png_bytes(40, 30)
    counts = (questions * 70 // 100, questions * 15 // 100)
    counts = (*counts, questions - sum(counts))
    add(document.add_paragraph(), "PHẦN I. Câu trắc nghiệm nhiều phương án lựa chọn.", bold=True)
    for n in range(1, counts[0] + 1):
        p = document.add_paragraph()
        add(p, f"Câu {n}. ", bold=True)
        add(p, f"Câu hỏi số {n} về hàm số y = x + {n}, giá trị nào ", font="Arial")
        add(p, "đúng", italic=True)
        if n % 5 == 0:
            p._p.append(parse_xml(FRACTION_HALF))
        if mathtype:
            add_mathtype(document, p, ole("mathtype5_equation2"))
        if n % 25 == 0:
            document.add_paragraph().add_run().add_picture(io.BytesIO(picture))
        correct = n % 4
        if n % 2:
            for i in range(4):
                add(document.add_paragraph(), f"{'ABCD'[i]}. Phương án {i} của câu {n}", underline=i == correct or None)
        else:
            p = document.add_paragraph()
            for i in range(4):
                add(p, f"{'ABCD'[i]}. {n + i}" + ("\t" if i < 3 else ""), red=i == correct)
    add(document.add_paragraph(), "PHẦN II. Câu trắc nghiệm đúng sai.", bold=True)
    for n in range(1, counts[1] + 1):
        add(document.add_paragraph(), f"Câu {n}. Xét các mệnh đề sau về số {n}.")
        for i in range(4):
            add(document.add_paragraph(), f"{'abcd'[i]}) Mệnh đề {i} của câu {n}.", red=(n + i) % 2 == 0)
    add(document.add_paragraph(), "PHẦN III. Câu trắc nghiệm trả lời ngắn.", bold=True)
    for n in range(1, counts[2] + 1):
        add(document.add_paragraph(), f"Câu {n}. Tính {n} : 2.")
        add(document.add_paragraph(), f"Đáp án: {n / 2:g}".replace(".", ","))
        add(document.add_paragraph(), f"Lời giải: {n} : 2 = {n / 2:g}".replace(".", ","))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=500)
    parser.add_argument("--mathtype", action="store_true", help="a MathType formula per choice question")
    args = parser.parse_args()
    data = build(args.questions, args.mathtype)

    def parse_docx(data):  # the parse plus the import's own picture check, as POST /questions/import runs them
        from question_bank.transfer import _drop_refused_images

        result = _parse(data)
        warnings = [w for draft in result.drafts for w in _drop_refused_images(draft)]
        result.warnings = warnings
        return result

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        result = parse_docx(data)
        timings.append(time.perf_counter() - start)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    parse_docx(data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    if len(result.drafts) != args.questions or result.problems:
        raise SystemExit(f"unexpected result: {len(result.drafts)} drafts, problems {result.problems[:3]}")
    print(f"import_docx questions={args.questions} mathtype={args.mathtype} warnings={len(result.warnings)} "
          f"file_kb={len(data) // 1024} parse_s={min(timings):.3f} "
          f"peak_traced_mb={peak / 2**20:.1f} max_rss_mb={rss_after / 1024:.1f} "
          f"(rss_before_parse_mb={rss_before / 1024:.1f}) python={platform.python_version()} "
          f"machine={platform.machine()}")


if __name__ == "__main__":
    main()

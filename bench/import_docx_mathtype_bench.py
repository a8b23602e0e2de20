"""Benchmark: import a 200-question Word paper whose questions are numbered by Word and whose formulas are
MathType objects (goal: under 5 s).

Run: ``.venv/bin/python bench/import_docx_mathtype_bench.py [--questions 200] [--broken 1]``. The paper is
:func:`tests.question_bank.formats.mathtype_fixtures.mathtype_paper`: "Câu N:" comes from Word list numbering,
each question has a MathType formula in its stem and, in most questions, one in each of its four options (the
public MTEF 3/5 corpus, so about five OLE objects per question); question 3, and with ``--broken-every N``
every N-th question, carries a formula whose data cannot be read, so its WMF preview is converted to PNG and
reported. The timing is the whole parse plus
the import's picture check (what POST /questions/import runs before writing); best of 3.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from question_bank.formats.docx import parse_docx  # noqa: E402
from tests.question_bank.formats.mathtype_fixtures import mathtype_paper  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--broken-every", type=int, default=0,
                        help="every N-th question has a formula that cannot be converted (kept as PNG)")
    args = parser.parse_args()
    data = mathtype_paper(args.questions, broken=True, broken_every=args.broken_every)
    from question_bank.transfer import _drop_refused_images

    timings = []
    for _ in range(args.runs):
        start = time.perf_counter()
        result = parse_docx(data)
        dropped = [w for draft in result.drafts for w in _drop_refused_images(draft)]
        timings.append(time.perf_counter() - start)
    formulas = sum(d.body["stem"].count("$") // 2 + sum(o["text"].count("$") // 2 for o in d.body["options"])
                   for d in result.drafts)
    kept = sum(len(d.warnings) for d in result.drafts)
    if len(result.drafts) != args.questions or result.problems or dropped:
        raise SystemExit(f"unexpected: {len(result.drafts)} drafts, problems {result.problems[:3]}, {dropped[:3]}")
    print(f"import_docx_mathtype questions={args.questions} formulas_latex={formulas} formulas_kept_as_png={kept} "
          f"file_kb={len(data) // 1024} parse_s={min(timings):.3f} (runs {', '.join(f'{t:.3f}' for t in timings)}) "
          f"load={os.getloadavg()[0]:.2f} python={platform.python_version()} machine={platform.machine()}")


if __name__ == "__main__":
    main()

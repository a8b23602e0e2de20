"""Exam definitions: create and change an exam, resolve its sections against the bank, printed versions.

Services take the acting user, raise domain errors, flush and send signals; the route commits once.

What is where:

* ``sections.py`` — presets as sections, blueprint draws, pinning sections to question versions.
* ``definitions.py`` — create, change and preview an exam; release its scores (``exam_saved``, ``scores_released``).
* ``printed_versions.py`` — printed versions (mã đề) with their answer keys, and the DOCX paper.
* ``assignments.py`` — the exams assigned to a student, with their attempts as the review policy shows them.
"""
from __future__ import annotations

from .assignments import assigned_exams
from .definitions import SCALAR_FIELDS, attempt_count, create_exam, preview_paper, release_scores, update_exam
from .printed_versions import ASSEMBLY_ERROR, PART_OF_TYPE, make_versions, paper_docx, reorder_body
from .sections import draw_blueprint, preset_sections

__all__ = [
    "ASSEMBLY_ERROR", "PART_OF_TYPE", "SCALAR_FIELDS", "assigned_exams", "attempt_count", "create_exam",
    "draw_blueprint", "make_versions", "paper_docx", "preset_sections", "preview_paper", "release_scores",
    "reorder_body", "update_exam",
]

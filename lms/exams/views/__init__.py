"""Web pages of exams: the student list and test page, reviews, and the teacher's list, form, results,
statistics, hand grading, regrades and printed versions.

Pages are shells over the JSON API: their scripts (static/*.js) call the same endpoints an integration would,
so the rules (deadline, key hiding, grading bounds, regrade previews) are enforced in one place, the API.

What is where (one blueprint, ``exams_web``; endpoints are named after the view functions):

* ``blueprint.py`` — the blueprint, the Vietnamese labels the pages share, access helpers.
* ``taking.py`` — the exam list, the start and take pages, the take page's service worker, an attempt's review.
* ``exam_form.py`` — the create form (``new``): reading the form into the API's shape, errors next to fields.
* ``results.py`` — results, releasing scores, statistics, regrade and printed versions (mã đề).
"""
from __future__ import annotations

from . import exam_form, results, taking  # noqa: F401  (each registers its pages on ``web``)
from .blueprint import web

__all__ = ["web"]

"""Imports point one way (shared/STYLE.md), and every outside engine has one import site."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Lower index = lower layer. A package may import its own layer's kernel and anything lower.
LAYERS = [
    ("lms.core",),
    ("lms.accounts", "lms.curriculum"),
    ("media",),
    ("question_bank",),
    ("lms.lectures",),
    ("lms.search",),
    ("lms.exams",),
    ("lms.gradebook",),
    ("lms.reports",),
    ("lms.transcripts",),
    ("lms.notices",),
    ("lms.family",),
    ("lms.app", "lms.cli", "wsgi"),
]
#: What another package may import of a feature: its public surface only.
PUBLIC_MODULES = {"api", "data", "signals", "content", "errors"}
ENGINES = {"minio": {"media/storage/minio_backend.py"},
           "ffmpeg": {"media/processing/ffmpeg/probing.py", "media/processing/ffmpeg/hls.py",
                      "media/processing/ffmpeg/stills.py"},
           "whoosh": {"lms/search/analysis.py", "lms/search/whoosh_backend/schemas.py", "lms/search/whoosh_backend/masks.py",
                      "lms/search/whoosh_backend/docsets.py", "lms/search/whoosh_backend/indexes.py",
                      "lms/search/whoosh_backend/writers.py"},
           "huey": {"lms/core/jobs.py"}, "limits": {"lms/core/ratelimits.py"}, "prometheus_client": {"lms/core/ops/metrics.py"},
           "pyhanko": {"lms/core/signatures.py"}, "pyhanko_certvalidator": {"lms/core/signatures.py"},
           "asn1crypto": {"lms/core/signatures.py"}, "smtplib": {"lms/core/mail.py"}, "email": {"lms/core/mail.py"}}


def _package_of(module: str) -> str | None:
    for layer in LAYERS:
        for pkg in layer:
            if module == pkg or module.startswith(pkg + "."):
                return pkg
    return None


def _layer(pkg: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if pkg in layer)


def _sources():
    for base in ("lms", "media", "question_bank"):
        for path in sorted((ROOT / base).rglob("*.py")):
            yield path
    yield ROOT / "wsgi.py"


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path):
    tree = ast.parse(path.read_text(), str(path))
    module = _module_name(path)
    is_pkg = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_pkg else 0)]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            yield node.lineno, name
            for alias in node.names:  # "from question_bank import api" imports question_bank.api
                yield node.lineno, f"{name}.{alias.name}"


def _violations():
    found = []
    for path in _sources():
        own = _package_of(_module_name(path))
        for line, target in _imports(path):
            other = _package_of(target)
            if own is None or other is None or other == own:
                continue
            where = f"{path.relative_to(ROOT)}:{line} imports {target}"
            if _layer(other) > _layer(own):
                found.append(f"{where} (points up)")
            elif other != "lms.core" and _layer(own) < len(LAYERS) - 1:
                rest = target[len(other) + 1:].split(".")
                if rest and rest[0] and rest[0] not in PUBLIC_MODULES and target != other:
                    found.append(f"{where} (not the package's api/data/signals)")
    return found


def test_imports_point_down_and_through_public_modules():
    assert _violations() == []


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_each_outside_engine_has_one_import_site(engine):
    sites = set()
    for path in _sources():
        for _line, target in _imports(path):
            if target == engine or target.startswith(engine + "."):
                sites.add(str(path.relative_to(ROOT)))
    assert sites <= ENGINES[engine], f"{engine} imported in {sorted(sites - ENGINES[engine])}"
    assert sites, f"{engine} is not used at all"

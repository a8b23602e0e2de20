"""Each outside engine has one import site; the media libraries stay free of Flask."""
import ast
from pathlib import Path

MEDIA = Path(__file__).resolve().parents[2] / "media"
MODULES = ["storage", "processing", "sniffing.py", "streaming.py"]


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def library_files():
    for name in MODULES:
        target = MEDIA / name
        yield from (sorted(target.rglob("*.py")) if target.is_dir() else [target])


def importers_of(package: str) -> list[str]:
    return [p.relative_to(MEDIA).as_posix() for p in library_files() if package in imported_roots(p)]


def test_only_minio_backend_imports_minio():
    assert importers_of("minio") == ["storage/minio_backend.py"]


def test_only_processing_ffmpeg_imports_ffmpeg_python():
    assert importers_of("ffmpeg") == ["processing/ffmpeg/hls.py", "processing/ffmpeg/probing.py",
                                      "processing/ffmpeg/stills.py"]


def test_media_libraries_import_no_web_or_app_code():
    for forbidden in ("flask", "werkzeug", "lms", "question_bank", "sqlalchemy"):
        assert importers_of(forbidden) == [], forbidden

"""Question import/export formats (pure library: no Flask). Importing the package registers every format."""
from question_bank.formats import aiken, docx, gift, moodle_xml, qti  # noqa: F401  (registration side effect)
from question_bank.formats.base import (  # noqa: F401
    MAX_IMPORT_BYTES, Draft, ExportRejected, ExportResult, Format, ImageBlob, ImportProblem, ImportRejected,
    ParseResult, UnknownFormat, available_formats, get_format, read_limited, register,
)

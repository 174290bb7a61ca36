"""The store's settings and limits as plain constants: what the command line's help and the
UI's hints name, without importing the database or spreadsheet libraries."""

ENV_URL = "CENTERPIN_DB_URL"
#: One import takes at most this many files, each of at most this many bytes.
MAX_IMPORT_FILES = 50
MAX_IMPORT_BYTES = 1_000_000
#: Encodings a CSV export may be written in.
CSV_ENCODINGS: tuple[str, ...] = ("utf-8-sig", "cp932")
#: File formats an export writes.
EXPORT_FORMATS = ("json", "csv", "xlsx")
#: Languages a CSV or XLSX export may be written for (headers, sheets, KPI names).
EXPORT_LANGS: tuple[str, ...] = ("ja", "en")

"""KPI sets kept: the store (SQLite or PostgreSQL, revisions, migrations) and their files.

Names are imported from their modules on first use (``kpi_sets.Store`` imports SQLAlchemy;
``kpi_sets.ENV_URL`` does not), so a command that only needs the limits starts fast.
"""

from __future__ import annotations

from simulator.lazy import attributes

_MODULES = {
    "limits": (
        "CSV_ENCODINGS",
        "ENV_URL",
        "EXPORT_LANGS",
        "MAX_IMPORT_BYTES",
        "MAX_IMPORT_FILES",
    ),
    "database": ("default_url",),
    "errors": (
        "Conflict",
        "FileProblem",
        "ImportProblem",
        "NameTaken",
        "NotFound",
        "SchemaTooNew",
        "StaleRevision",
        "StoreError",
    ),
    "exchange": (
        "Exported",
        "check_file_count",
        "cp932_loss",
        "excel_safe_text",
        "export_csv",
        "export_json",
        "export_xlsx",
        "import_files",
        "read_plans",
    ),
    "rooms": ("Room", "RoomError", "Submission"),
    "records": ("Derived", "KpiSetInfo", "Revision", "derive", "derive_from", "targets_frame"),
    "schema": ("MAX_NAME",),
    "store": ("Store",),
}
_MODULE_OF = {name: module for module, names in _MODULES.items() for name in names}

__all__ = sorted(_MODULE_OF)


__getattr__ = attributes(__name__, _MODULE_OF)

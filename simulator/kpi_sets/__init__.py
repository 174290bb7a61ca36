"""KPI sets kept: the store (SQLite or PostgreSQL, revisions, migrations) and their files.

Names are imported from their modules on first use (``kpi_sets.Store`` imports SQLAlchemy;
``kpi_sets.ENV_URL`` does not), so a command that only needs the limits starts fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.lazy import attributes

if TYPE_CHECKING:
    from simulator.kpi_sets.database import default_url
    from simulator.kpi_sets.errors import (
        Conflict,
        FileProblem,
        ImportProblem,
        NameTaken,
        NotFound,
        SchemaTooNew,
        StaleRevision,
        StoreError,
    )
    from simulator.kpi_sets.exchange import (
        check_file_count,
        excel_safe_text,
        export_csv,
        export_json,
        export_xlsx,
        import_files,
        read_plans,
    )
    from simulator.kpi_sets.limits import (
        CSV_ENCODINGS,
        ENV_URL,
        MAX_IMPORT_BYTES,
        MAX_IMPORT_FILES,
    )
    from simulator.kpi_sets.records import (
        Derived,
        KpiSetInfo,
        Revision,
        derive,
        derive_from,
        targets_frame,
    )
    from simulator.kpi_sets.schema import MAX_NAME
    from simulator.kpi_sets.store import Store

_MODULES = {
    "limits": ("CSV_ENCODINGS", "ENV_URL", "MAX_IMPORT_BYTES", "MAX_IMPORT_FILES"),
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
        "check_file_count",
        "excel_safe_text",
        "export_csv",
        "export_json",
        "export_xlsx",
        "import_files",
        "read_plans",
    ),
    "records": ("Derived", "KpiSetInfo", "Revision", "derive", "derive_from", "targets_frame"),
    "schema": ("MAX_NAME",),
    "store": ("Store",),
}
_MODULE_OF = {name: module for module, names in _MODULES.items() for name in names}

__all__ = [
    "CSV_ENCODINGS",
    "ENV_URL",
    "MAX_IMPORT_BYTES",
    "MAX_IMPORT_FILES",
    "MAX_NAME",
    "Conflict",
    "Derived",
    "FileProblem",
    "ImportProblem",
    "KpiSetInfo",
    "NameTaken",
    "NotFound",
    "Revision",
    "SchemaTooNew",
    "StaleRevision",
    "Store",
    "StoreError",
    "check_file_count",
    "default_url",
    "derive",
    "derive_from",
    "excel_safe_text",
    "export_csv",
    "export_json",
    "export_xlsx",
    "import_files",
    "read_plans",
    "targets_frame",
]


__getattr__ = attributes(__name__, _MODULE_OF)

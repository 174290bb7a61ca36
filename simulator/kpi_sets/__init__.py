"""KPI sets kept: the store (SQLite or PostgreSQL, revisions, migrations) and their files."""

from simulator.kpi_sets.database import ENV_URL, default_url
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
    CSV_ENCODINGS,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_FILES,
    Exported,
    check_file_count,
    cp932_loss,
    excel_safe_text,
    export_csv,
    export_json,
    export_xlsx,
    import_files,
    read_plans,
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

__all__ = [
    "CSV_ENCODINGS",
    "ENV_URL",
    "MAX_IMPORT_BYTES",
    "MAX_IMPORT_FILES",
    "MAX_NAME",
    "Conflict",
    "Derived",
    "Exported",
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
    "cp932_loss",
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

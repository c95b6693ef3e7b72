"""Reports that leave the page: exports (command line, downloads, API), each audited."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from ctip.core.audit import Action, Origin, audit_write
from ctip.core.models import Organisation
from ctip.indicators.engine import report_build
from ctip.indicators.exports import report_csv, report_xlsx
from ctip.indicators.periods import Period

FORMATS = ("json", "csv", "xlsx", "iati", "dhis2")
NOT_YET = ("iati", "dhis2")


class ExportNotAvailable(Exception):
    """The format is planned (interop) but not built yet."""


@dataclass(frozen=True)
class Export:
    content: bytes | str | dict
    content_type: str
    filename: str


def report_export(
    *,
    origin: Origin,
    scope: Organisation,
    period: Period,
    public: bool,
    fmt: str = "json",
    codes: list[str] | None = None,
) -> Export:
    """Build the report in ``fmt`` and write the audit entry (who, which scope and period,
    which format, suppressed or not). JSON comes back as the report dict."""
    if fmt in NOT_YET:
        raise ExportNotAvailable(
            _("%(format)s export is not yet available (it belongs to the interop issue).")
            % {"format": fmt.upper()}
        )
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt}")
    report = report_build(scope=scope, period=period, public=public, codes=codes)
    stem = f"indicators-{scope.code}-{period.label}{'-public' if public else ''}"
    if fmt == "csv":
        export = Export(report_csv(report), "text/csv; charset=utf-8", f"{stem}.csv")
    elif fmt == "xlsx":
        export = Export(
            report_xlsx(report),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            f"{stem}.xlsx",
        )
    else:
        export = Export(report, "application/json", f"{stem}.json")
    audit_write(
        origin=origin,
        action=Action.EXPORT,
        object_type="indicator_report",
        object_ref=period.label,
        organisation_code=scope.code,
        detail={
            "scope": scope.code,
            "period": period.label,
            "format": fmt,
            "public": public,
            "indicators": list(codes) if codes else "all",
        },
    )
    return export

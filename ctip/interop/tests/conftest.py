"""Helpers for the import tests: write CSV/XLSX files and run `ctip import` as a user would."""

import csv
import io
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

ORGANISATION_COLUMNS = ["code", "name", "kind", "parent", "provider_type", "country"]
SURVIVOR_COLUMNS = [
    "ref", "org", "sex", "birth_year", "nationality", "exploitation", "identified_on",
    "given_name", "family_name", "phone",
]  # fmt: skip
NEED_COLUMNS = ["ref", "survivor_ref", "category", "assessed_on", "status"]


@dataclass
class Run:
    status: int  # the exit status `ctip` would return
    out: list[str]
    err: list[str]


def run_import(*args: str) -> Run:
    """`ctip import ...` through call_command; CommandError is what exits with status 1."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_records", *args, stdout=out, stderr=err)
        status = 0
    except CommandError as exc:
        err.write(f"CommandError: {exc}\n")
        status = exc.returncode
    return Run(status, out.getvalue().splitlines(), err.getvalue().splitlines())


def write_csv(path, header, rows, *, bom: bool = False):
    with open(path, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path, header, rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


@pytest.fixture
def files(tmp_path):
    """``files.csv(name, header, rows)`` / ``files.xlsx(...)`` write into the test's tmp dir."""

    class Files:
        def csv(self, name, header, rows, **kwargs):
            return str(write_csv(tmp_path / name, header, rows, **kwargs))

        def xlsx(self, name, header, rows):
            return str(write_xlsx(tmp_path / name, header, rows))

    return Files()

"""Where a statement batch keeps its files, and its ZIP with the manifest CSV.

Each batch has a folder of its own under the configured root (STATEMENT_BATCH_DIR, never
under static/): the statements' PDFs as the slices render them, then `statements.zip`
holding them all and `manifest.csv`, one row per statement. Files are written under a
temporary name and moved into place, so a reader never sees half a file.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from reports.csv_files import csv_text
from reports.rendering import translations

ZIP_NAME = "statements.zip"
MANIFEST_NAME = "manifest.csv"


def _(text: str) -> str:  # marks a string for extraction; translated where shown
    return text


MANIFEST_COLUMNS = (_("Account"), _("Account name"), _("Period start"), _("Period end"),
                    _("File"), _("Amounts withheld"))


def batch_folder(root: Path, batch_id: int) -> Path:
    folder = Path(root) / str(batch_id)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def zip_path(root: Path, batch_id: int) -> Path:
    return Path(root) / str(batch_id) / ZIP_NAME


def manifest_path(root: Path, batch_id: int) -> Path:
    return Path(root) / str(batch_id) / MANIFEST_NAME


def write_file(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".part")
    temporary.write_bytes(data)
    temporary.replace(path)


def manifest_csv(batch, entries: list[dict]) -> str:
    """The manifest in the batch's language: one row per statement in the ZIP."""
    words = translations(batch.locale)
    header = [words.gettext(label) for label in MANIFEST_COLUMNS]
    yes, no = words.gettext("yes"), words.gettext("no")
    rows = [(e["account"], e["name"], batch.period_start.isoformat(),
             batch.period_end.isoformat(), e["file"], yes if e["withheld"] else no)
            for e in entries]
    return csv_text(header, rows)


def write_zip(root: Path, batch, entries: list[dict]) -> None:
    """The batch's ZIP (its statements and the manifest) and the manifest on its own."""
    folder = batch_folder(root, batch.id)
    manifest = manifest_csv(batch, entries).encode("utf-8")
    write_file(folder / MANIFEST_NAME, manifest)
    temporary = folder / (ZIP_NAME + ".part")
    # PDFs are compressed already: stored as they are, the ZIP is written at disk speed
    with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_STORED) as archive:
        for entry in entries:
            archive.write(folder / entry["file"], entry["file"])
        archive.writestr(MANIFEST_NAME, manifest)
    temporary.replace(folder / ZIP_NAME)

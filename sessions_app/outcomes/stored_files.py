"""Copying stored files (documents, certificates, presentations, attachments) between places.

A place is a Django storage: the configured default storage (local disk or the bucket), or a folder
on disk (MEDIA_ROOT, a backup). ``copy_files`` copies what the target lacks or holds with another
size, under the same name, and leaves the rest: run twice, it copies nothing the second time. The
portal writes every file under a new name (documents are versioned), so a file of the same name and
size is the same file.
"""

from dataclasses import dataclass, field

from django.core.files.storage import FileSystemStorage


@dataclass
class CopyReport:
    copied: list = field(default_factory=list)  # names
    skipped: int = 0  # already there with the same size
    bytes_copied: int = 0


def folder(path):
    """A folder on disk as a storage (the names under it as the portal's storage names)."""
    return FileSystemStorage(location=str(path))


def walk(storage, path=""):
    """Every file name under ``path`` in ``storage``, sorted, at any depth."""
    try:
        directories, files = storage.listdir(path)
    except FileNotFoundError:
        return []
    names = [f"{path}/{name}" if path else name for name in files]
    for directory in directories:
        names.extend(walk(storage, f"{path}/{directory}" if path else directory))
    return sorted(names)


def copy_files(*, source, target):
    """Copy every file of ``source`` that ``target`` lacks (or holds with another size), keeping its name.

    Raises RuntimeError if the target stored a file under another name than asked (it must not).
    """
    report = CopyReport()
    for name in walk(source):
        size = source.size(name)
        if target.exists(name):
            if target.size(name) == size:
                report.skipped += 1
                continue
            target.delete(name)  # a copy cut short: written again whole
        with source.open(name, "rb") as handle:
            stored = target.save(name, handle)
        if stored != name:
            raise RuntimeError(f"The target stored {name!r} as {stored!r}")
        report.copied.append(name)
        report.bytes_copied += size
    return report

"""Copy stored files between the local media folder, the configured storage and backup folders.

    manage.py copy_media                          # MEDIA_ROOT into the storage (moving to a bucket)
    manage.py copy_media --to backups/x/media     # the storage into a folder (make backup)
    manage.py copy_media --from backups/x/media   # a folder into the storage (make restore)

Safe to run any number of times: what the target already holds is left alone.
"""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management.base import BaseCommand, CommandError

from sessions_app.outcomes.stored_files import copy_files, folder


class Command(BaseCommand):
    help = (
        "Copy stored files (documents, certificates, presentations) that the target lacks, keeping their "
        "names: by default from MEDIA_ROOT into the configured storage (the bucket). Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--from", dest="source", help="a folder to copy from (default: MEDIA_ROOT, or the storage with --to)"
        )
        parser.add_argument("--to", dest="target", help="a folder to copy into (default: the configured storage)")

    def handle(self, *args, source=None, target=None, verbosity=1, **options):
        if source and target:
            raise CommandError("Give --from or --to, not both: the other side is the configured storage.")
        if target:
            source_storage, target_storage = default_storage, folder(target)
            described = f"the storage → {target}"
        else:
            source_path = Path(source) if source else Path(settings.MEDIA_ROOT)
            if source is None and _is_folder(default_storage, source_path):
                raise CommandError(
                    "The storage is MEDIA_ROOT itself: set AWS_STORAGE_BUCKET_NAME (and the other AWS_* "
                    "variables) to copy the local files into the bucket."
                )
            if not source_path.is_dir():
                raise CommandError(f"No folder at {source_path}")
            source_storage, target_storage = folder(source_path), default_storage
            described = f"{source_path} → the storage"
        report = copy_files(source=source_storage, target=target_storage)
        if verbosity >= 2:
            for name in report.copied:
                self.stdout.write(f"copied {name}")
        self.stdout.write(
            f"{described}: copied {len(report.copied)} files ({report.bytes_copied} bytes), "
            f"{report.skipped} already there"
        )


def _is_folder(storage, path):
    return isinstance(storage, FileSystemStorage) and Path(storage.location).resolve() == path.resolve()

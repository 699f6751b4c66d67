"""python manage.py import_faces DIR: enrol persons from one sub-folder of photos per person."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from faces.models import Person, PersonStatus
from faces.services.enrolment import enrol_faces
from faces.services.model_pack import ModelPackError

# The enrolment's reason for a photo whose face the person already has: a re-run, not a failure.
ALREADY_ENROLLED = "duplicate of a face already enrolled"
PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp"}


class Command(BaseCommand):
    help = (
        "Enrol faces from DIR/<person name>/*.jpg: one sub-folder per person (created when missing), "
        "one face per photo. Prints faces found and photos rejected, with the reason."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument("--user", help="username recorded as the creator (default: first superuser)")
        parser.add_argument(
            "--allow-outliers", action="store_true", help="keep faces that do not look like the person's others"
        )

    def handle(self, *args, directory: Path, user=None, allow_outliers=False, **options):
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a folder")
        folders = sorted(p for p in directory.iterdir() if p.is_dir() and not p.name.startswith("."))
        if not folders:
            raise CommandError(f"{directory} has no sub-folders; expected one sub-folder of photos per person")
        creator = self.creator(user)
        photos = {f: sorted(p for p in f.iterdir() if p.suffix.lower() in PHOTO_SUFFIXES) for f in folders}
        total_found, total_rejected, already, reasons = 0, 0, 0, {}
        with tqdm(total=sum(len(v) for v in photos.values()), unit="photo", disable=options["verbosity"] == 0) as bar:
            for folder, files in photos.items():
                person = Person.objects.filter(name=folder.name).first() or Person.objects.create(
                    name=folder.name, status=PersonStatus.KNOWN, created_by=creator
                )
                images = [(str(path.relative_to(directory)), path.read_bytes()) for path in files]
                try:
                    report = enrol_faces(person, images, user=creator, allow_outliers=allow_outliers)
                except ModelPackError as exc:
                    raise CommandError(str(exc)) from exc
                bar.update(len(files))
                total_found += report.faces_found
                for name, reason in report.rejected:
                    if reason.startswith(ALREADY_ENROLLED):
                        already += 1
                        continue
                    reasons[reason.split(" (")[0]] = reasons.get(reason.split(" (")[0], 0) + 1
                    total_rejected += 1
                    if options["verbosity"] > 1:
                        self.stdout.write(f"  rejected {name}: {reason}")
                self.stdout.write(f"{folder.name}: {report.faces_found} added, {len(report.rejected)} rejected")
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(folders)} persons, {total_found} faces enrolled, {total_rejected} photos rejected "
                f"({total_found} new, {already} already enrolled)"
            )
        )
        for reason, count in sorted(reasons.items(), key=lambda kv: -kv[1]):
            self.stdout.write(f"  {count} x {reason}")
        if total_found == 0 and already == 0:
            raise CommandError("no face was enrolled")

    @staticmethod
    def creator(username):
        users = get_user_model().objects
        if username:
            found = users.filter(username=username).first()
            if found is None:
                raise CommandError(f"no user named {username!r}")
            return found
        return users.filter(is_superuser=True).order_by("date_joined").first()

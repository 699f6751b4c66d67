"""Tamper-evident exports: a zip of the clip, `manifest.json` (per-file SHA-256, camera, site,
UTC range, exporter, reason, incident) and `manifest.sig`, an Ed25519 signature of the manifest's
exact bytes with the site's key (`cryptography`). `verify_package` checks a zip against its
manifest and signature, and against the site's key on record when ORIN has it. Every export,
download and verification is a row of the append-only custody log.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, transaction
from django.utils import timezone

from surveillance.models import Site
from video.models import ClipRequest, CustodyAction, CustodyEntry, SiteSigningKey

MANIFEST, SIGNATURE = "manifest.json", "manifest.sig"
FORMAT = "orin-export/1"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def site_key(site: Site) -> tuple[Ed25519PrivateKey, SiteSigningKey]:
    """The site's signing key, made on first use."""
    with transaction.atomic():
        record = SiteSigningKey.objects.select_for_update().filter(site=site).first()
        if record is None:
            private = Ed25519PrivateKey.generate()
            seed = private.private_bytes(
                serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
            )
            public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            record = SiteSigningKey.objects.create(site=site, private_key=_b64(seed), public_key=_b64(public))
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(record.private_key)), record


def package_name(export: ClipRequest) -> str:
    return f"exports/{export.camera_id}/{export.pk}.zip"


def log_custody(export: ClipRequest, action: str, user=None, **details) -> CustodyEntry:
    name = user.get_username() if user is not None else ""
    return CustodyEntry.objects.create(export=export, action=action, user=user, username=name, details=details)


def build_package(export: ClipRequest) -> str:
    """Sign and store the export's zip; returns its storage name."""
    clip = export.video_clip
    camera = export.camera
    site = camera.dvr.site
    private, record = site_key(site)
    with default_storage.open(clip.media_file.storage_path, "rb") as handle:
        video = handle.read()
    name = f"{camera.name}-{clip.start_time:%Y%m%dT%H%M%SZ}.mp4".replace("/", "-").replace(" ", "_")
    manifest = {
        "format": FORMAT,
        "export_id": str(export.pk),
        "files": [{"name": name, "sha256": hashlib.sha256(video).hexdigest(), "size": len(video)}],
        "camera": {"id": str(camera.pk), "name": camera.name},
        "site": {"id": str(site.pk), "name": site.name},
        "start_utc": clip.start_time.isoformat(),
        "end_utc": clip.end_time.isoformat(),
        "requested_start_utc": export.start_time.isoformat(),
        "requested_end_utc": export.end_time.isoformat(),
        "exporter": export.requested_by.get_username() if export.requested_by_id else None,
        "reason": export.reason,
        "incident": None,
        "notes": export.message,
        "created_utc": timezone.now().isoformat(),
        "public_key": record.public_key,
        "algorithm": "Ed25519",
    }
    manifest_bytes = json.dumps(manifest, indent=2, sort_keys=True).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(name, video)
        archive.writestr(MANIFEST, manifest_bytes)
        archive.writestr(SIGNATURE, _b64(private.sign(manifest_bytes)))
    target = package_name(export)
    if default_storage.exists(target):
        default_storage.delete(target)
    stored = default_storage.save(target, ContentFile(buffer.getvalue()))
    log_custody(
        export,
        CustodyAction.EXPORTED,
        export.requested_by,
        package=stored,
        sha256=hashlib.sha256(buffer.getvalue()).hexdigest(),
    )
    return stored


@dataclass
class Verification:
    ok: bool
    problems: list[str] = field(default_factory=list)
    manifest: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def verify_package(data: bytes) -> Verification:
    """Check a package's signature, each file's SHA-256 and size, and the signing key against the
    site's key on record. Never raises for a bad file: it says what is wrong."""
    problems: list[str] = []
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        manifest_bytes = archive.read(MANIFEST)
        signature = base64.b64decode(archive.read(SIGNATURE))
        manifest = json.loads(manifest_bytes)
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        return Verification(False, [f"not an ORIN export package: {exc}"])
    try:
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(manifest.get("public_key", "")))
        public.verify(signature, manifest_bytes)
    except (InvalidSignature, ValueError):
        problems.append("the manifest's signature does not verify: the manifest was altered or not signed by ORIN")
    notes: list[str] = []
    site_id = (manifest.get("site") or {}).get("id")
    try:
        with transaction.atomic():
            known = (
                SiteSigningKey.objects.filter(site_id=site_id).values_list("public_key", flat=True).first()
                if site_id
                else None
            )
    except DatabaseError as exc:
        # A recipient may verify a copy away from ORIN's database: the signature and hashes still hold.
        known = None
        notes.append(f"the site's key on record could not be read ({exc.__class__.__name__}): key not compared")
    if known and known != manifest.get("public_key"):
        problems.append("the manifest was signed with a key that is not this site's key")
    names = set(archive.namelist()) - {MANIFEST, SIGNATURE}
    for entry in manifest.get("files", []):
        if entry.get("name") not in names:
            problems.append(f"{entry.get('name')}: missing from the package")
            continue
        content = archive.read(entry["name"])
        if hashlib.sha256(content).hexdigest() != entry.get("sha256") or len(content) != entry.get("size"):
            problems.append(f"{entry['name']}: its SHA-256 does not match the manifest (the file was altered)")
        names.discard(entry["name"])
    problems += [f"{extra}: not listed in the manifest" for extra in sorted(names)]
    return Verification(not problems, problems, manifest, notes)

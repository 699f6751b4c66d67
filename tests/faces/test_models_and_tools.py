"""Model pack errors, the import command, the admin pages and the search API."""

import io
import shutil

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from accounts.models import AuditLog
from faces.models import FaceEmbedding, Person
from faces.services.engine import FaceEngine
from faces.services.model_pack import ModelPackError, model_pack_dir
from faces.services.recognition import recognize_frame
from faces.services.review import enrol_faces
from faces.services.search import vector_literal
from tests.faces.conftest import flipped, jpeg, recent
from tests.factories import CameraFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_missing_model_pack_names_the_folder_and_the_fix(settings, tmp_path):
    settings.ORIN_FACE_MODEL_DIR = tmp_path / "nowhere"
    with pytest.raises(ModelPackError) as caught:
        FaceEngine()
    assert str(tmp_path / "nowhere") in str(caught.value) and "ORIN_FACE_MODEL_DIR" in str(caught.value)


def test_broken_model_pack_is_a_clear_error_not_a_download(settings, tmp_path):
    broken = tmp_path / "broken_pack"
    broken.mkdir()
    (broken / "det_500m.onnx").write_bytes(b"not a model")
    (broken / "w600k_mbf.onnx").write_bytes(b"nor this")
    settings.ORIN_FACE_MODEL_DIR = broken
    with pytest.raises(ModelPackError) as caught:
        FaceEngine()
    assert str(broken) in str(caught.value)


def test_a_pack_without_a_recognizer_is_refused(settings, tmp_path):
    partial = tmp_path / "detector_only"
    partial.mkdir()
    shutil.copy(model_pack_dir() / "det_500m.onnx", partial / "det_500m.onnx")
    shutil.copy(model_pack_dir() / "det_500m.onnx", partial / "det_copy.onnx")
    settings.ORIN_FACE_MODEL_DIR = partial
    with pytest.raises(ModelPackError, match="recognition"):
        FaceEngine()


def test_person_match_query_walks_the_persons_partial_hnsw_index():
    rng = np.random.default_rng(3)
    person = PersonFactory()
    vectors = rng.normal(size=(300, 512)).astype(np.float32)
    FaceEmbedding.objects.bulk_create(
        FaceEmbedding(person=person, embedding=v, source_image_path="x", model_version="buffalo_s") for v in vectors
    )
    with transaction.atomic(), connection.cursor() as cursor:
        # A few hundred rows are a sort's territory; rule sorting out to see which HNSW graph is picked.
        cursor.execute("ANALYZE face_embeddings")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM face_embeddings WHERE person_id IS NOT NULL AND model_version = 'buffalo_s' "
            "ORDER BY embedding <=> %s::halfvec LIMIT 10",
            [vector_literal(vectors[0])],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "idx_embeddings_person_hnsw" in plan, plan


def test_import_faces_enrols_one_person_per_folder_and_reports_rejections(tmp_path, yao, astronaut, media_root):
    UserFactory(username="importer", is_superuser=True)
    (tmp_path / "Yao Ming").mkdir()
    (tmp_path / "Yao Ming" / "a.jpg").write_bytes(jpeg(yao))
    (tmp_path / "Yao Ming" / "b.jpg").write_bytes(jpeg(astronaut))  # someone else: an outlier
    (tmp_path / "Eileen Collins").mkdir()
    (tmp_path / "Eileen Collins" / "a.png").write_bytes(jpeg(astronaut))
    (tmp_path / "Eileen Collins" / "broken.jpg").write_bytes(b"\xff\xd8\xff garbage")
    out = io.StringIO()
    call_command("import_faces", str(tmp_path), stdout=out, verbosity=1)
    text = out.getvalue()
    assert "2 persons, 2 faces enrolled, 2 photos rejected" in text
    assert "does not look like this person's other faces" in text and "not a usable image" in text
    assert FaceEmbedding.objects.filter(person__name="Yao Ming").count() == 1
    assert FaceEmbedding.objects.filter(person__name="Eileen Collins").count() == 1

    again = io.StringIO()
    call_command("import_faces", str(tmp_path), stdout=again, verbosity=1)  # a re-run is not an error
    assert "(0 new, 2 already enrolled)" in again.getvalue()
    assert FaceEmbedding.objects.filter(person__name__in=["Yao Ming", "Eileen Collins"]).count() == 2


def test_import_faces_refuses_a_folder_without_person_folders(tmp_path):
    with pytest.raises(CommandError, match="no sub-folders"):
        call_command("import_faces", str(tmp_path))
    with pytest.raises(CommandError, match="is not a folder"):
        call_command("import_faces", str(tmp_path / "missing"))


def test_admin_person_page_enrols_uploaded_photos(admin_client, yao, media_root):
    person = PersonFactory(name="Yao Ming")
    page = admin_client.get(f"/admin/faces/person/{person.id}/change/").content.decode()
    assert 'name="photos"' in page and 'enctype="multipart/form-data"' in page
    response = admin_client.post(
        f"/admin/faces/person/{person.id}/change/",
        {
            "name": "Yao Ming",
            "status": "known",
            "photos": [SimpleUploadedFile("yao.jpg", jpeg(yao)), SimpleUploadedFile("tiny.jpg", jpeg(yao[:40, :40]))],
            **{f"{prefix}-{k}": v for prefix in ("aliases", "labels", "embeddings") for k, v in MANAGEMENT.items()},
        },
    )
    assert response.status_code == 302, response.content
    text = admin_client.get(response["Location"]).content.decode()
    notes = text[text.find('<ul class="messagelist">') :][:1000]
    assert "1 face(s) enrolled for Yao Ming." in notes and "iny.jpg: not enrolled, no face found" in notes, notes
    person.refresh_from_db()
    assert person.primary_face_embedding is not None
    assert "yao.jpg" not in person.primary_face_embedding.source_image_path  # stored by content hash


MANAGEMENT = {"TOTAL_FORMS": "0", "INITIAL_FORMS": "0", "MIN_NUM_FORMS": "0", "MAX_NUM_FORMS": "1000"}


def test_admin_who_is_this_lists_the_person_first(admin_client, yao, media_root):
    person = PersonFactory(name="Yao Ming")
    enrol_faces(person, [jpeg(yao)], user=UserFactory())
    assert admin_client.get("/admin/faces/person/who-is-this/").status_code == 200
    response = admin_client.post(
        "/admin/faces/person/who-is-this/", {"image": SimpleUploadedFile("q.jpg", jpeg(flipped(yao))), "top_k": 3}
    )
    text = response.content.decode()
    assert response.status_code == 200 and "Yao Ming" in text and 'class="match-person"' in text
    assert AuditLog.objects.filter(action="face_search", details__via="console").count() == 1
    bad = admin_client.post(
        "/admin/faces/person/who-is-this/", {"image": SimpleUploadedFile("q.txt", b"x"), "top_k": 3}
    )
    assert bad.status_code == 200 and "not an image" in bad.content.decode()


def test_search_api_returns_persons_and_the_clusters_the_user_may_see(client, yao, astronaut, media_root):
    person = PersonFactory(name="Yao Ming")
    enrol_faces(person, [jpeg(yao)], user=UserFactory())
    mine, theirs = CameraFactory(), CameraFactory()
    [seen_here] = recognize_frame(mine, jpeg(astronaut), recent(20))
    [seen_there] = recognize_frame(theirs, jpeg(flipped(astronaut)), recent(10))
    assert seen_here.cluster_id == seen_there.cluster_id
    operator = UserFactory(role_name="operator", sites=[theirs.dvr.site])
    client.force_login(operator)
    response = client.post("/api/v1/faces/search", {"image": SimpleUploadedFile("q.jpg", jpeg(astronaut)), "top_k": 2})
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert results[0]["kind"] == "cluster" and results[0]["id"] == str(seen_here.cluster_id)
    assert results[0]["similarity"] > 0.9
    assert any(r["kind"] == "person" and r["label"] == "Yao Ming" for r in results)
    # The nearest face of that cluster was cropped at the other site: no link to it.
    assert results[0]["crop_url"] is None
    searched = AuditLog.objects.filter(user=operator, action="face_search").get()
    assert searched.details["via"] == "api" and f"cluster:{seen_here.cluster_id}" in searched.details["results"][0]
    # Where the crop was taken, the link is a signed download, checked again when fetched.
    local = UserFactory(role_name="operator", sites=[mine.dvr.site])
    client.force_login(local)
    response = client.post("/api/v1/faces/search", {"image": SimpleUploadedFile("q.jpg", jpeg(astronaut)), "top_k": 2})
    crop = client.get(response.json()["results"][0]["crop_url"])
    assert crop.status_code == 200 and b"".join(crop.streaming_content)[:2] == b"\xff\xd8"

    stranger = UserFactory(role_name="operator", sites=[])
    client.force_login(stranger)
    response = client.post("/api/v1/faces/search", {"image": SimpleUploadedFile("q.jpg", jpeg(astronaut))})
    assert all(r["kind"] == "person" for r in response.json()["results"])
    not_a_face = client.post("/api/v1/faces/search", {"image": SimpleUploadedFile("q.jpg", jpeg(astronaut[:50, :50]))})
    assert not_a_face.status_code == 400
    assert Person.objects.count() == 1

"""線上繳件: files checked by content, taken only from inside the configured sources, kept under
their SHA-256; submission, staff's review and the move from 待補件 to 已報名, on a real SQLite
file and the real PostgreSQL."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import col, select

from kiosk.core import documents
from kiosk.core.demo import SAMPLE_PDF, seed_demo
from kiosk.core.documents import files
from kiosk.core.documents.files import StoredFile
from kiosk.core.exams import sessions as exam_sessions
from kiosk.core.helpdesk.staff_accounts import StaffView
from kiosk.infra.config import Settings
from kiosk.infra.store import Store
from kiosk.infra.tables import AuditEvent, ExamRegistration
from tests.conftest import make_settings
from tests.store.test_results import NOW, Clock, candidate_id, staff_of


def image_bytes(kind: str, size: tuple[int, int] = (40, 30), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "white" if mode == "RGB" else 1).save(out, format=kind)
    return out.getvalue()


def sample_pdf(settings: Settings) -> bytes:
    from kiosk.core.demo import sample_pdf as make

    path = make(settings)
    assert path is not None
    return path.read_bytes()


def encrypted_pdf(plain: bytes) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(plain)))
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_files_are_judged_by_content_not_by_name(settings: Settings) -> None:
    pdf = sample_pdf(settings)
    png, jpeg = image_bytes("PNG"), image_bytes("JPEG")
    limit = settings.document_max_bytes
    assert files.check_content(pdf, limit) == ("application/pdf", "")
    assert files.check_content(png, limit) == ("image/png", "")
    assert files.check_content(jpeg, limit) == ("image/jpeg", "")
    refused = {
        b"": "documents.file.empty",
        b"%PDF-1.7\nnot really a pdf": "documents.file.broken",
        png[:40]: "documents.file.broken",  # a PNG cut short
        jpeg[:30]: "documents.file.broken",
        b"GIF89a" + png[6:]: "documents.file.type",
        "報名表.docx".encode(): "documents.file.type",
        encrypted_pdf(pdf): "documents.file.encrypted",
    }
    for data, key in refused.items():
        assert files.check_content(data, limit) == (None, key)
    assert files.check_content(png, len(png) - 1) == (None, "documents.file.too_large")


def test_a_decompression_bomb_is_refused(settings: Settings) -> None:
    # 400 megapixels, one bit each (50 MB to make here), a few hundred KB as a file
    bomb = image_bytes("PNG", (20_000, 20_000), mode="1")
    assert files.check_content(bomb, 50 * 2**20) == (None, "documents.file.broken")


def test_the_picker_lists_and_reads_only_inside_the_sources(
    settings: Settings, tmp_path: Path
) -> None:
    source = Path(settings.document_sources[0])
    (source / "掃描").mkdir(parents=True)
    (source / "掃描" / "page1.png").write_bytes(image_bytes("PNG"))
    (source / ".hidden.pdf").write_bytes(sample_pdf(settings))
    secret = tmp_path / "outside.pdf"
    secret.write_bytes(sample_pdf(settings))
    (source / "link.pdf").symlink_to(secret)
    (source / "linked-dir").symlink_to(tmp_path)
    os.mkfifo(source / "pipe.pdf")
    listed = {f.relative for f in files.list_sources(settings)}
    assert listed == {SAMPLE_PDF, "掃描/page1.png"}

    for relative in (
        "../outside.pdf",
        str(secret),
        "link.pdf",
        "linked-dir/outside.pdf",
        "掃描/../../outside.pdf",
        "pipe.pdf",
        "missing.pdf",
        "",
    ):
        check = files.take(settings, 0, relative)
        assert not check.ok and check.message_key == "documents.file.unreadable", relative
    assert not files.take(settings, 1, SAMPLE_PDF).ok  # no second source configured
    assert not list(Path(settings.documents_dir).rglob("*")) or all(
        p.is_dir() for p in Path(settings.documents_dir).rglob("*")
    )  # nothing refused was kept
    assert files.take(settings, 0, "掃描/page1.png").ok


def test_a_taken_file_is_kept_once_under_its_hash_for_its_owner_only(
    settings: Settings,
) -> None:
    pdf = sample_pdf(settings)
    source = Path(settings.document_sources[0])
    (source / "王小明身分證A123456789.pdf").write_bytes(pdf)
    first = files.take(settings, 0, SAMPLE_PDF)
    second = files.take(settings, 0, "王小明身分證A123456789.pdf")
    assert first.ok and second.ok and first.stored == second.stored
    assert first.stored is not None
    kept = [p for p in Path(settings.documents_dir).rglob("*") if p.is_file()]
    assert [p.name for p in kept] == [first.stored.sha256]
    import hashlib

    assert first.stored.sha256 == hashlib.sha256(pdf).hexdigest()
    assert stat.S_IMODE(kept[0].stat().st_mode) == 0o600
    assert kept[0].read_bytes() == pdf


def test_files_over_the_size_limit_are_refused_before_parsing(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, document_max_bytes=2048)
    source = Path(settings.document_sources[0])
    source.mkdir(parents=True)
    (source / "big.png").write_bytes(image_bytes("PNG", (600, 600)) + b"\0" * 4096)
    check = files.take(settings, 0, "big.png")
    assert not check.ok and check.message_key == "documents.file.too_large"


# --------------------------------------------------------------------------------------------
# Submission and review


def demo(store: Store, settings: Settings) -> Store:
    with store.session() as session:
        seed_demo(session, settings=settings, now=NOW)
    return store


def pending_registration(store: Store, account: str = "wang2026") -> int:
    with store.session() as session:
        row = session.exec(
            select(ExamRegistration)
            .where(ExamRegistration.candidate_id == candidate_id(store, account))
            .where(ExamRegistration.status == "documents_pending")
        ).one()
        assert row.id is not None
        return row.id


def status_of(store: Store, registration_id: int) -> str:
    with store.session() as session:
        row = session.get(ExamRegistration, registration_id)
        assert row is not None
        return row.status


def submit(store: Store, settings: Settings, registration_id: int, kind: str, stored: StoredFile):
    with store.session() as session:
        return documents.submit(
            session,
            candidate_id=candidate_id(store, "wang2026"),
            registration_id=registration_id,
            kind=kind,
            stored=stored,
            settings=settings,
            clock=Clock(),
        )


def shown(store: Store, settings: Settings) -> dict[str, tuple[str, str, bool]]:
    with store.session() as session:
        found = documents.list_documents(
            session, candidate_id=candidate_id(store, "wang2026"), settings=settings, clock=Clock()
        )
    return {d.kind: (d.status, d.reason, d.can_submit) for r in found for d in r.documents}


def decide(store: Store, settings: Settings, staff: StaffView, document_id: int, accept: bool):
    with store.session() as session:
        return documents.decide(
            session,
            staff=staff,
            document_id=document_id,
            accept=accept,
            reason="影本不清楚，請重新掃描" if not accept else "已核對",
            settings=settings,
            clock=Clock(),
        )


def test_submit_reject_resubmit_accept_moves_the_registration_to_registered(
    store: Store, settings: Settings
) -> None:
    demo(store, settings)
    staff = staff_of(store, settings)
    registration = pending_registration(store)
    with store.session() as session:
        asked = documents.request(
            session,
            staff=staff,
            registration_id=registration,
            kinds=["id_proof"],
            reason="學歷與身分證明",
            settings=settings,
            clock=Clock(),
        )
    assert asked.ok
    assert shown(store, settings) == {
        "education_proof": ("missing", "", True),  # the demo's
        "id_proof": ("missing", "", True),
    }
    pdf = files.take(settings, 0, SAMPLE_PDF).stored
    source = Path(settings.document_sources[0])
    (source / "id.jpg").write_bytes(image_bytes("JPEG"))
    jpeg = files.take(settings, 0, "id.jpg").stored
    assert pdf is not None and jpeg is not None
    assert submit(store, settings, registration, "education_proof", pdf).ok
    assert submit(store, settings, registration, "education_proof", pdf).message_key == (
        "documents.submit.already"
    )
    assert submit(store, settings, registration, "id_proof", jpeg).ok
    assert submit(store, settings, registration, "experience_proof", jpeg).message_key == (
        "documents.submit.not_found"  # not asked for
    )
    with store.session() as session:
        queue = documents.open_documents(session, settings=settings)
    assert [(q.kind, q.media_type, q.account) for q in queue] == [
        ("education_proof", "application/pdf", "wang2026"),
        ("id_proof", "image/jpeg", "wang2026"),
    ]
    by_kind = {q.kind: q.id for q in queue}
    assert decide(store, settings, staff, by_kind["id_proof"], accept=False).ok
    assert shown(store, settings)["id_proof"] == ("rejected", "影本不清楚，請重新掃描", True)
    assert decide(store, settings, staff, by_kind["education_proof"], accept=True).ok
    assert status_of(store, registration) == "documents_pending"  # one is still rejected
    assert submit(store, settings, registration, "id_proof", jpeg).ok  # sent again
    assert decide(store, settings, staff, by_kind["id_proof"], accept=True).ok
    assert status_of(store, registration) == "registered"  # the last one accepted
    assert decide(store, settings, staff, by_kind["id_proof"], accept=True).message_key == (
        "documents.decide.already"
    )
    assert submit(store, settings, registration, "id_proof", jpeg).message_key == (
        "documents.submit.not_pending"
    )
    assert shown(store, settings) == {
        "education_proof": ("accepted", "", False),
        "id_proof": ("accepted", "", False),
    }
    with store.session() as session:
        events = session.exec(
            select(AuditEvent)
            .where(col(AuditEvent.kind).in_(["document_submit", "document_decide"]))
            .order_by(col(AuditEvent.id))
        ).all()
    decided = [(e.outcome, e.staff) for e in events if e.kind == "document_decide"]
    assert decided == [
        ("rejected", "amy.desk"),
        ("accepted", "amy.desk"),
        ("accepted", "amy.desk"),
        ("already", "amy.desk"),
    ]
    last_accept = [e for e in events if e.kind == "document_decide"][2]
    assert "documents_pending->registered" in last_accept.detail
    assert all(SAMPLE_PDF not in e.detail and "id.jpg" not in e.detail for e in events)


def test_a_registration_put_in_documents_pending_without_a_list_needs_one_document(
    store: Store, settings: Settings
) -> None:
    demo(store, settings)
    staff = staff_of(store, settings)
    with store.session() as session:  # maria's registered 淨零碳 registration, by the CLI's way
        reg = session.exec(
            select(ExamRegistration).where(
                ExamRegistration.candidate_id == candidate_id(store, "maria.santos")
            )
        ).all()
        registration = next(r.id for r in reg if r.status == "registered")
        assert registration is not None
        assert exam_sessions.set_status(
            session,
            registration_id=registration,
            status="documents_pending",
            settings=settings,
            staff="amy.desk",
        ).ok
    with store.session() as session:
        (pending,) = documents.list_documents(
            session, candidate_id=candidate_id(store, "maria.santos"), settings=settings
        )
    (needed,) = pending.documents
    assert (needed.id, needed.kind, needed.status, needed.can_submit) == (
        None,
        "other",
        "missing",
        True,
    )
    stored = files.take(settings, 0, SAMPLE_PDF).stored
    assert stored is not None
    with store.session() as session:
        done = documents.submit(
            session,
            candidate_id=candidate_id(store, "maria.santos"),
            registration_id=registration,
            kind="other",
            stored=stored,
            settings=settings,
        )
    assert done.ok
    with store.session() as session:
        (queued,) = documents.open_documents(session, settings=settings)
    assert decide(store, settings, staff, queued.id, accept=True).ok
    assert status_of(store, registration) == "registered"


@pytest.mark.parametrize("who", ["another candidate", "not pending"])
def test_a_submission_for_someone_else_or_not_pending_changes_nothing(
    store: Store, settings: Settings, who: str
) -> None:
    demo(store, settings)
    registration = pending_registration(store)
    stored = files.take(settings, 0, SAMPLE_PDF).stored
    assert stored is not None
    with store.session() as session:
        if who == "not pending":
            session.get(ExamRegistration, registration).status = "paid"  # type: ignore[union-attr]
        result = documents.submit(
            session,
            candidate_id=candidate_id(
                store, "maria.santos" if who != "not pending" else "wang2026"
            ),
            registration_id=registration,
            kind="education_proof",
            stored=stored,
            settings=settings,
        )
    assert not result.ok
    assert shown(store, settings).get("education_proof", ("missing",))[0] == "missing"


def test_demo_seed_writes_the_sample_pdf_once(settings: Settings) -> None:
    from kiosk.core.demo import sample_pdf as make

    first = make(settings)
    assert first is not None and first.name == SAMPLE_PDF
    stamp = first.stat().st_mtime_ns
    assert make(settings) == first and first.stat().st_mtime_ns == stamp
    assert files.check_content(first.read_bytes(), 10**6)[0] == "application/pdf"


def test_a_shared_scan_folder_shows_this_session_s_files_only_and_gives_them_up(
    settings: Settings,
) -> None:
    """The venue's scanner drops every candidate's scans in one folder: a candidate sees only
    what arrived since their session began, and what they submit leaves the folder."""
    import os
    from datetime import timedelta

    from kiosk.infra.tables import utcnow

    sample = image_bytes("PNG")
    scans = Path(settings.scan_folders[0])
    usb = Path(settings.document_sources[0])
    scans.mkdir(parents=True, exist_ok=True)
    usb.mkdir(parents=True, exist_ok=True)
    earlier = scans / "previous-candidate.png"
    earlier.write_bytes(sample)
    hour_ago = (utcnow() - timedelta(hours=1)).timestamp()
    os.utime(earlier, (hour_ago, hour_ago))
    own = usb / "my-old-transcript.png"  # the candidate's own drive: older files are theirs
    own.write_bytes(sample)
    os.utime(own, (hour_ago, hour_ago))
    session_started = utcnow() - timedelta(minutes=5)
    scanned = scans / "scanned-now.png"
    scanned.write_bytes(sample)

    listed = {f.relative: f for f in files.list_sources(settings, since=session_started)}
    assert set(listed) == {"scanned-now.png", "my-old-transcript.png"}
    assert listed["scanned-now.png"].shared and not listed["my-old-transcript.png"].shared
    assert files.list_sources(settings, since=None) == [listed["my-old-transcript.png"]]

    taken = files.take(settings, listed["scanned-now.png"].source, "scanned-now.png")
    assert taken.ok
    assert not scanned.exists() and earlier.exists()  # gone from the shared folder only
    kept = files.take(settings, listed["my-old-transcript.png"].source, "my-old-transcript.png")
    assert kept.ok and own.exists()  # the candidate's own drive keeps its files

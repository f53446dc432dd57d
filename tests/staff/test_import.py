"""Group registration import (kiosk/group_import.py) on real SQLite files and the real PostgreSQL.

The helpers at the top (valid ID numbers, group files) are shared with test_import_screen.py and
the import snapshots.
"""

from __future__ import annotations

import csv
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import col, func, select

from kiosk.core import group_import, national_id
from kiosk.core.group_import import RowOutcome, RowStatus, importer
from kiosk.core.helpdesk.staff_accounts import StaffView, get_staff
from kiosk.infra.config import Settings
from kiosk.infra.store import Store
from kiosk.infra.tables import AuditEvent, Candidate, StaffUser
from tests.conftest import StoreFactory

HEADER_ZH = ["身分證號", "中文姓名", "電子郵件", "手機號碼", "性別", "學歷", "學校名稱", "系所名稱"]
HEADER_EN = [
    "national_id",
    "chinese_name",
    "email",
    "mobile",
    "gender",
    "education",
    "school",
    "department",
]


def make_id(n: int, letter: str = "A", gender: str = "1") -> str:
    """The n-th valid citizen ID number (checksum computed)."""
    body = f"{letter}{gender}{n:07d}"
    value = national_id.LETTER_VALUES[letter]
    digits = [value // 10, value % 10, *(int(ch) for ch in body[1:])]
    total = sum(d * w for d, w in zip(digits, (1, 9, 8, 7, 6, 5, 4, 3, 2, 1), strict=True))
    return body + str((10 - total % 10) % 10)


def good_row(n: int) -> list[str]:
    return [
        make_id(n),
        "陳小華",
        f"student{n}@school.example.edu.tw",
        f"09{n % 100_000_000:08d}",
        "男" if n % 2 else "女",
        "大學",
        "國立臺灣科技大學",
        "資訊工程系",
    ]


def write_csv(
    path: Path,
    rows: Sequence[Sequence[str]],
    *,
    header: Sequence[str] = HEADER_ZH,
    encoding: str = "utf-8",
) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def good_file(path: Path, count: int, *, start: int = 1) -> Path:
    return write_csv(path, [good_row(n) for n in range(start, start + count)])


BAD_ROWS = [
    good_row(1),
    ["A123456788", "陳小華", "a@school.example.edu.tw", "", "", "", "", ""],  # check digit
    [make_id(3), "Bob", "b@school.example.edu.tw", "", "", "", "", ""],  # not Chinese
    [make_id(4), "林一", "", "", "", "", "", ""],  # no e-mail, no mobile
    [make_id(5), "林二", "not-an-email", "0812", "X", "小學", "", ""],  # four broken fields
    good_row(1),  # same ID as line 2
    good_row(7),
]


def staff_user(store: Store, account: str = "desk01", *, active: bool = True) -> StaffView:
    """A help-desk account in ``store`` (made on first use) for ``import_file``'s ``staff``."""
    with store.session() as session:
        row = get_staff(session=session, account=account)
        if row is None:
            row = StaffUser(
                account=account, account_key=account.lower(), role="helpdesk", password_hash="x"
            )
        row.active = active
        session.add(row)
        session.flush()
        return StaffView.of(row)


def count(store: Store, *where: object) -> int:
    with store.session() as session:
        return session.exec(select(func.count()).select_from(Candidate).where(*where)).one()


def test_good_file_creates_group_candidates_without_passwords(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "unit.csv",
        [
            good_row(1),
            [make_id(2, gender="2"), "林美華", "mh@school.example.edu.tw", "", "", "", "", ""],
        ],
    )
    with store.session() as session:
        preview = group_import.preview_file(session, path=path, unit="國立臺灣科技大學")
    assert [row.status for row in preview.rows] == [RowStatus.OK, RowStatus.OK]
    assert [row.line for row in preview.rows] == [2, 3]
    assert preview.rows[0].national_id_masked == national_id.mask(make_id(1))
    assert [row.profile_complete for row in preview.rows] == [True, False]
    assert count(store) == 0  # a preview writes nothing

    seen: list[tuple[int, int]] = []
    with store.session() as session:
        result = group_import.import_file(
            session,
            path=path,
            unit="國立臺灣科技大學",
            staff=staff_user(store, "desk01"),
            settings=settings,
            progress=lambda done, total: seen.append((done, total)),
        )
    assert (result.created, result.present, result.bad) == (2, 0, 0)
    assert seen[0] == (0, 2) and seen[-1] == (2, 2)
    with store.session() as session:
        rows = session.exec(select(Candidate).order_by(col(Candidate.national_id))).all()
        events = session.exec(select(AuditEvent).where(AuditEvent.kind == "group_import")).all()
    first, second = rows
    assert {r.origin for r in rows} == {"group"}
    assert {r.password_hash for r in rows} == {None}
    assert {r.group_unit for r in rows} == {"國立臺灣科技大學"}
    assert (first.chinese_name, first.gender, first.education) == ("陳小華", "M", "04")
    assert (first.english_surname, first.english_given_name) == ("CHEN", "SIAO-HUA")
    assert first.mobile == "0900000001" and first.profile_complete
    assert not second.profile_complete  # gender, education, school missing: completes later
    assert second.account.startswith("linmeihua") and len(second.account) == len("linmeihua") + 4
    assert first.account.lower() == first.account_key
    assert first.account != first.national_id
    assert len(events) == 1
    assert events[0].staff == "desk01" and events[0].outcome == "ok"
    assert "created=2" in events[0].detail
    for row in rows:  # no full ID anywhere in the audit trail
        assert row.national_id not in events[0].detail


def test_bad_rows_are_reported_with_reasons_and_skipped(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "bad.csv", BAD_ROWS)
    with store.session() as session:
        preview = group_import.preview_file(session, path=path, unit="U")
    by_line = {row.line: row for row in preview.rows}
    assert [by_line[n].status for n in range(2, 9)] == [
        RowStatus.OK,
        RowStatus.BAD,
        RowStatus.BAD,
        RowStatus.BAD,
        RowStatus.BAD,
        RowStatus.BAD,
        RowStatus.OK,
    ]
    fields = {line: {r.field for r in by_line[line].reasons} for line in range(3, 8)}
    assert fields[3] == {"national_id"}
    assert fields[4] == {"chinese_name"}
    assert fields[5] == {"email"}
    assert {r.key for r in by_line[5].reasons} == {"group_import.reason.contact"}
    assert fields[6] == {"email", "mobile", "gender", "education"}
    assert [r.key for r in by_line[7].reasons] == ["group_import.reason.duplicate"]

    # plain reasons: what is wrong, not the rule it breaks read as a statement
    def said(line: int, language: str) -> list[str]:
        return [group_import.reason_text(r, language) for r in by_line[line].reasons]

    assert said(7, "zh-TW") == ["身分證號：與第 2 列重複"]
    assert said(7, "en") == ["ID number: duplicates line 2"]
    assert said(3, "zh-TW") == ["身分證號：檢查碼錯誤"]
    assert said(3, "en") == ["ID number: wrong check digit"]
    assert "性別：應為男或女 (M/F)" in said(6, "zh-TW")
    for row in preview.rows:  # every reason has catalog text in both languages
        for reason in row.reasons:
            for language in ("zh-TW", "en"):
                assert "group_import." not in group_import.reason_text(reason, language)
                assert "rules." not in group_import.reason_text(reason, language)

    with store.session() as session:
        result = group_import.import_file(
            session, path=path, unit="U", staff=staff_user(store, "desk01"), settings=settings
        )
    assert (result.created, result.present, result.bad) == (2, 0, 5)
    assert count(store) == 2


def test_importing_the_same_file_twice_creates_nothing_twice(
    store_factory: StoreFactory, settings: Settings, tmp_path: Path
) -> None:
    store = store_factory.create()
    path = good_file(tmp_path / "unit.csv", 30)
    with store.session() as session:
        first = group_import.import_file(
            session,
            path=path,
            unit="U",
            staff=staff_user(store, "a"),
            settings=settings,
            batch_size=7,
        )
    restarted = store_factory.open()
    with restarted.session() as session:
        preview = group_import.preview_file(session, path=path, unit="U")
        assert {row.status for row in preview.rows} == {RowStatus.PRESENT}
        second = group_import.import_file(
            session, path=path, unit="U", staff=staff_user(store, "b"), settings=settings
        )
    assert (first.created, first.present) == (30, 0)
    assert (second.created, second.present) == (0, 30)
    assert count(restarted) == 30
    with restarted.session() as session:
        events = session.exec(
            select(AuditEvent).where(AuditEvent.kind == "group_import").order_by(AuditEvent.id)
        ).all()
    assert [(e.staff, e.outcome) for e in events] == [("a", "ok"), ("b", "ok")]


def test_an_id_number_in_the_unit_or_file_name_is_audited_masked(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    path = good_file(tmp_path / "A123456789.csv", 2)
    with store.session() as session:
        group_import.import_file(
            session,
            path=path,
            unit="contact f222333444",
            staff=staff_user(store, "a"),
            settings=settings,
        )
    with store.session() as session:
        (event,) = session.exec(select(AuditEvent).where(AuditEvent.kind == "group_import"))
    assert "A12345****.csv" in event.detail and "contact F22233****" in event.detail
    assert "A123456789" not in event.detail and "f222333444" not in event.detail


def test_a_disabled_staff_account_imports_nothing(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    path = good_file(tmp_path / "unit.csv", 3)
    gone = staff_user(store, "desk01")
    staff_user(store, "desk01", active=False)  # disabled after the screen was opened
    with store.session() as session:
        result = group_import.import_file(
            session, path=path, unit="U", staff=gone, settings=settings
        )
    assert result.file_error == "staff.action.denied" and result.created == 0
    assert count(store) == 0
    with store.session() as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.kind == "group_import")).all()
    assert [(e.staff, e.outcome) for e in events] == [("desk01", "denied")]


def test_rows_that_keep_clashing_are_counted_bad(
    store: Store, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every fresh account clashes (a pathological name generator): the rows are counted bad,
    so created + present + bad is still the number of rows."""
    path = good_file(tmp_path / "unit.csv", 4)
    with store.session() as session:
        session.add(
            Candidate(
                account="clash0001",
                account_key="clash0001",
                national_id=make_id(999),
                chinese_name="佔用",
            )
        )
    monkeypatch.setattr(importer, "make_account", lambda *args, **kwargs: "clash0001")
    with store.session() as session:
        result = group_import.import_file(
            session, path=path, unit="U", staff=staff_user(store), settings=settings
        )
    assert (result.created, result.present, result.bad) == (0, 0, 4)
    assert count(store) == 1
    with store.session() as session:
        (event,) = session.exec(select(AuditEvent).where(AuditEvent.kind == "group_import"))
    assert "created=0; present=0; bad=4" in event.detail


def test_concurrent_imports_of_one_file_create_each_candidate_once(
    store_factory: StoreFactory, settings: Settings, tmp_path: Path
) -> None:
    """Two desks import the same file at once: both previews saw nothing present; the UNIQUE
    constraint decides, and every row is created exactly once."""
    created = store_factory.create()
    desks = {name: staff_user(created, name) for name in ("desk1", "desk2")}
    path = good_file(tmp_path / "unit.csv", 200)
    results: list[group_import.ImportResult] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2, timeout=60)  # a stuck desk breaks it, never hangs CI

    def desk(name: str) -> None:
        store = store_factory.open()
        try:
            with store.session() as session:
                barrier.wait()
                results.append(
                    group_import.import_file(
                        session,
                        path=path,
                        unit="U",
                        staff=desks[name],
                        settings=settings,
                        batch_size=50,
                    )
                )
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=desk, args=(f"desk{i}",), daemon=True) for i in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not [thread for thread in threads if thread.is_alive()], "an import never finished"
    assert not errors
    assert sum(r.created for r in results) == 200
    assert sum(r.created + r.present for r in results) == 400
    assert count(store_factory.open()) == 200


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp950", "utf-16"])
def test_csv_encodings_are_detected(
    encoding: str, store: Store, settings: Settings, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "unit.csv", [good_row(1), good_row(2)], encoding=encoding)
    with store.session() as session:
        result = group_import.import_file(
            session, path=path, unit="U", staff=staff_user(store, "desk01"), settings=settings
        )
    assert result.created == 2
    with store.session() as session:
        names = set(session.exec(select(Candidate.chinese_name)))
    assert names == {"陳小華"}


def test_nationality_from_the_column_or_the_id_number(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    header = ["身分證號", "中文姓名", "電子郵件", "身分"]
    rows = [
        ["B812345672", "瑪麗亞·桑托斯", "maria@school.example.edu.tw", ""],  # resident number
        [make_id(2), "陳小華", "chen@school.example.edu.tw", "本國籍"],
        [make_id(3), "陳小明", "ming@school.example.edu.tw", "火星"],
        [make_id(4, gender="8"), "林一", "lin@school.example.edu.tw", "TW"],  # resident, TW
    ]
    path = write_csv(tmp_path / "unit.csv", rows, header=header)
    rows: list[RowOutcome] = []
    with store.session() as session:
        group_import.import_file(
            session,
            path=path,
            unit="U",
            staff=staff_user(store, "desk01"),
            settings=settings,
            on_row=rows.append,
        )
    by_line = {row.line: row for row in rows}
    assert by_line[2].status == "created" and by_line[3].status == "created"
    assert [r.field for r in by_line[4].reasons] == ["nationality"]
    assert [r.field for r in by_line[5].reasons] == ["national_id"]
    with store.session() as session:
        maria = session.exec(
            select(Candidate).where(Candidate.chinese_name == "瑪麗亞·桑托斯")
        ).one()
    assert maria.nationality == "foreign"


def test_english_header_and_tab_separated(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "unit.txt"
    path.write_text("\t".join(HEADER_EN) + "\n" + "\t".join(good_row(1)) + "\n", encoding="utf-8")
    with store.session() as session:
        preview = group_import.preview_file(session, path=path, unit="U")
    assert [row.status for row in preview.rows] == [RowStatus.OK]


def test_xlsx_with_number_cells(store: Store, settings: Settings, tmp_path: Path) -> None:
    """Excel keeps a mobile number or an education code typed as a number without its 0."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["國立清華大學 團體報名名單"])  # a title row above the header
    sheet.append([])
    sheet.append(["身分證號 *", "中文姓名 *", "EMAIL信箱", "手機", "性別", "學歷", "學校", "系所"])
    sheet.append([make_id(1), "張志明", "", 912345678, "M", 4, "國立清華大學", "物理學系"])
    sheet.append([make_id(2), "李", "", "", "", "", "", ""])  # 1 character: too short
    path = tmp_path / "unit.xlsx"
    book.save(path)
    rows: list[RowOutcome] = []
    with store.session() as session:
        result = group_import.import_file(
            session,
            path=path,
            unit="U",
            staff=staff_user(store, "desk01"),
            settings=settings,
            on_row=rows.append,
        )
    assert (result.created, result.bad) == (1, 1)
    assert [(row.line, row.status) for row in rows] == [(4, "created"), (5, "bad")]
    with store.session() as session:
        row = session.exec(select(Candidate)).one()
    assert (row.mobile, row.education, row.english_surname) == ("0912345678", "04", "JHANG")
    assert row.profile_complete is False  # no e-mail


@pytest.mark.parametrize(
    ("content", "key"),
    [
        (b"", "group_import.file.empty"),
        ("姓名,電子郵件\n王小明,a@b.tw\n".encode(), "group_import.file.columns"),
        (b"\x81\xff\xfe\x00\x81", "group_import.file.encoding"),
        # a BOM that promises an encoding the bytes then break (once a UnicodeDecodeError)
        (
            b"\xff\xfe" + "身分證號,中文姓名\n".encode("utf-16-le") + b"\n",
            "group_import.file.encoding",
        ),
        (b"\xef\xbb\xbf\xe8\xba\xab\xff,x\n", "group_import.file.encoding"),
        # a cell over the csv module's field limit (once a csv.Error)
        (
            '身分證號,中文姓名,電子郵件\nA123456789,"'.encode() + b"x" * 200_000 + b'",a@b.tw\n',
            "group_import.file.unreadable",
        ),
    ],
)
def test_unusable_files_are_answered_not_raised(
    content: bytes, key: str, store: Store, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "unit.csv"
    path.write_bytes(content)
    with store.session() as session:
        preview = group_import.preview_file(session, path=path, unit="U")
        result = group_import.import_file(
            session, path=path, unit="U", staff=staff_user(store, "desk01"), settings=settings
        )
    assert preview.file_error == key and result.file_error == key
    assert count(store) == 0
    with store.session() as session:
        event = session.exec(select(AuditEvent)).one()
    assert (event.kind, event.outcome, event.staff) == ("group_import", "file_error", "desk01")


def test_missing_columns_are_named(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "unit.csv"
    path.write_text("姓名,性別\n王小明,男\n", encoding="utf-8")
    with store.session() as session:
        preview = group_import.preview_file(session, path=path, unit="U")
    assert preview.file_error == "group_import.file.columns"
    assert preview.file_error_values == {"columns": "身分證號, 電子郵件/手機號碼"}


def test_missing_file_and_not_a_spreadsheet(store: Store, tmp_path: Path) -> None:
    fake = tmp_path / "unit.xlsx"
    fake.write_text("not a zip")
    with store.session() as session:
        missing = group_import.preview_file(session, path=tmp_path / "nope.csv", unit="U")
        broken = group_import.preview_file(session, path=fake, unit="U")
    assert missing.file_error == "group_import.file.missing"
    assert broken.file_error == "group_import.file.unreadable"


def test_ten_thousand_rows_in_batches(
    store_factory: StoreFactory, settings: Settings, tmp_path: Path
) -> None:
    store = store_factory.create()
    with store.session() as session:  # one candidate is already there
        group_import.import_file(
            session,
            path=good_file(tmp_path / "one.csv", 1, start=5000),
            unit="U",
            staff=staff_user(store, "desk01"),
            settings=settings,
        )
    path = good_file(tmp_path / "big.csv", 10_000)
    seen: list[tuple[int, int]] = []
    with store.session() as session:
        result = group_import.import_file(
            session,
            path=path,
            unit="U",
            staff=staff_user(store, "desk01"),
            settings=settings,
            progress=lambda done, total: seen.append((done, total)),
        )
    assert (result.created, result.present, result.bad) == (9_999, 1, 0)
    # rows of the file handled, of the rows in the file
    assert seen[0] == (0, 10_000) and seen[-1] == (10_000, 10_000)
    assert len(seen) == 1 + 20  # batches of 500
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert count(store, Candidate.origin == "group") == 10_000
    with store.session() as session:
        accounts = session.exec(select(func.count(func.distinct(Candidate.account_key)))).one()
    assert accounts == 10_000

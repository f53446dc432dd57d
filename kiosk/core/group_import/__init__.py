"""團體報名 group registration import: a unit's file of candidates, checked, previewed, imported.

Why this module is long: reading, checking and importing share one row model here; the streaming
rewrite for 100,000-row files splits them into reader, check and importer.

A unit (school, company, training centre) sends one file of its candidates: CSV (UTF-8, UTF-8 with
BOM, UTF-16 as Excel's "Unicode text", or Big5/cp950 as older Taiwanese Excel saves it) or XLSX
(openpyxl, read-only). The header is the first row that names the required columns (title rows
above it are skipped); each column may be named in Chinese or English (see :data:`COLUMNS`;
spaces, case, ``*`` marks and full-width forms are ignored):

=================  ===========================================  ==========================
field              header names accepted                         required
=================  ===========================================  ==========================
national_id        身分證號, 身份證字號, 統一證號, national_id      yes
chinese_name       中文姓名, 姓名, chinese_name                    yes
email              電子郵件, EMAIL信箱, email                       email or mobile
mobile             手機號碼, 手機, 行動電話, mobile                 email or mobile
nationality        身分, 國籍, nationality (本國籍/外國籍, TW/foreign; empty: from the ID number)
english_surname    英文姓, 英文姓氏, english_surname (empty: Tongyong from the Chinese name)
english_given_name 英文名, 英文名字, english_given_name
gender             性別, gender (男/女, M/F)
education          學歷, education (code 01-06 or the level's name)
school             學校名稱, 學校, school
department         系所名稱, 系所, department
group_unit         團報單位, 單位, group_unit (empty = the unit chosen for the import)
=================  ===========================================  ==========================

Every row is checked with :mod:`kiosk.core.rules`, the registration rules; a field that is given
must pass them. A group row needs the ID number, the Chinese name and a way to receive the
credentials (e-mail or mobile, portal: 團報考生 use 查詢帳號及密碼 with the e-mail given at group
registration); what else is missing only makes the profile incomplete (``profile_complete=False``:
the candidate completes it at 考生基本資料維護 after the first login). An ID that appears twice in
the file is bad in its second row; an ID already in the store is "already present" and creates
nothing, so importing the same file twice creates nothing twice (the UNIQUE constraint on
``national_id`` decides, also against a concurrent import).

Accounts: ``Candidate.account`` is required and unique, and the portal forbids the ID number as
an account (帳號不可使用身分證號), so a group candidate gets a generated account — the letters of
the Tongyong romanization of the name plus four random digits (``linmeihua4821``), ``ipas`` when
the name cannot be romanized — which 查詢帳號/密碼 sends together with the temporary password.
Group candidates get no password (``password_hash`` stays empty): they use the credential query.

The work is split in three modules: :mod:`.reader` (files, encodings, sheets, the header),
:mod:`.check` (the rules per row, the plain reasons) and :mod:`.importer` (preview, import,
the unit's report). Everything streams: a 100,000-row file is read, checked and written batch by
batch (``make bench`` measures it). This package re-exports their public names.

Use from scripts::

    with store.session() as session:
        preview = group_import.preview_file(session, path=path, unit="某某大學")
        result = group_import.import_file(session, path=path, unit="某某大學", staff=staff,
                                          settings=settings, progress=print, on_row=report)

or from the shell: ``ipas-kiosk staff import FILE --unit UNIT --staff ACCOUNT --report PATH``.
"""

from __future__ import annotations

from kiosk.core.group_import.check import (
    Checked,
    Checker,
    Reason,
    RowCheck,
    RowStatus,
    check_row,
    reason_text,
)
from kiosk.core.group_import.importer import (
    BATCH_SIZE,
    ImportReport,
    ImportResult,
    OnRow,
    Preview,
    Progress,
    RowOutcome,
    import_file,
    make_account,
    preview_file,
)
from kiosk.core.group_import.reader import (
    COLUMNS,
    CONTACT_COLUMNS,
    HEADER_SEARCH_ROWS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    REQUIRED_COLUMNS,
    FileProblem,
    GroupFile,
    decode_csv,
    open_group_file,
    read_rows,
    sheet_names,
)

__all__ = [
    "BATCH_SIZE",
    "COLUMNS",
    "CONTACT_COLUMNS",
    "HEADER_SEARCH_ROWS",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "REQUIRED_COLUMNS",
    "Checked",
    "Checker",
    "FileProblem",
    "GroupFile",
    "ImportReport",
    "ImportResult",
    "OnRow",
    "Preview",
    "Progress",
    "Reason",
    "RowCheck",
    "RowOutcome",
    "RowStatus",
    "check_row",
    "decode_csv",
    "import_file",
    "make_account",
    "open_group_file",
    "preview_file",
    "read_rows",
    "reason_text",
    "sheet_names",
]

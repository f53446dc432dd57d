"""A unit's 100,000-row group file through a real ``ipas-kiosk staff import`` process.

The file is what units send: Chinese header, Big5 or UTF-8 with a BOM, names that repeat, mobile
numbers with and without dashes (and without the leading 0, as a number cell leaves them),
gender as 男/女, education by name, a few bad rows (a wrong check digit, an ID number given
twice). The import runs as its own process on a fresh SQLite file with a report of every row;
measured: wall time (rows/s over the file's rows, start-up included) and the process's peak
resident memory (``ru_maxrss`` of the child, from ``os.wait4``). Goals (issue 13): ≥ 2,000
rows/s on SQLite, ≤ 300 MiB peak. ``python -m bench.bench_import 100000`` runs it alone.
"""

from __future__ import annotations

import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_store import national_id_for

SURNAMES = "陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴周"
GIVEN = "怡君雅婷家豪志明淑芬美玲建宏俊傑佳慧冠宇宗翰欣怡承恩思妤柏翰"
EDUCATION = ("大學", "碩士", "04", "05", "專科", "博士")
HEADER = ["身分證號", "中文姓名", "電子郵件", "手機號碼", "性別", "學歷", "學校名稱", "系所名稱"]
STAFF = ("bench.desk", "Bench#Desk2026x")


def write_unit_file(path: Path, rows: int, *, encoding: str = "utf-8-sig") -> Path:
    """A realistic unit file of ``rows`` data rows (≈ 1 % bad: wrong check digit, repeats)."""
    rng = random.Random(13)
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["國立示範科技大學 團體報名名單（範例）", "", "", "", "", "", "", ""])
        writer.writerow(HEADER)
        for i in range(rows):
            nid = national_id_for(i + 1_000_000)
            roll = rng.random()
            if roll < 0.005:
                nid = nid[:-1] + str((int(nid[-1]) + 1) % 10)  # a wrong check digit
            elif roll < 0.01 and i:
                nid = national_id_for(i + 999_999)  # the row before's ID again
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
            mobile = f"09{rng.choice('012345678')}{rng.randrange(10**7):07d}"  # not 099x
            if rng.random() < 0.3:
                mobile = f"{mobile[:4]}-{mobile[4:7]}-{mobile[7:]}"
            elif rng.random() < 0.1:
                mobile = mobile[1:]  # a number cell dropped the 0
            writer.writerow(
                [
                    nid,
                    name,
                    f"s{i:06d}@mail.example.edu.tw",
                    mobile,
                    rng.choice("男女"),
                    rng.choice(EDUCATION),
                    "國立示範科技大學",
                    "資訊工程系",
                ]
            )
    return path


def _environment(folder: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "IPAS_KIOSK_DATABASE_URL": f"sqlite:///{folder / 'kiosk.db'}",
            "IPAS_KIOSK_CONFIG_FILE": str(folder / "none.toml"),
            "IPAS_KIOSK_OUTBOX_DIR": str(folder / "outbox"),
            "IPAS_KIOSK_LOG_DIR": str(folder / "logs"),
            "IPAS_KIOSK_BCRYPT_ROUNDS": "4",
            "IPAS_KIOSK_LANGUAGE": "zh-TW",
        }
    )
    return env


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "kiosk", *args]


def measure(rows: int, folder: Path) -> dict[str, float]:
    """One import of a fresh ``rows``-row file into a fresh database: seconds, peak MiB."""
    env = _environment(folder)
    subprocess.run(_command("db", "upgrade"), env=env, check=True, capture_output=True)
    subprocess.run(
        _command("staff", "add", STAFF[0], "--password-stdin"),
        env=env,
        input=STAFF[1].encode(),
        check=True,
        capture_output=True,
    )
    path = write_unit_file(folder / "unit.csv", rows)
    report = folder / "report.csv"
    started = time.perf_counter()
    process = subprocess.Popen(
        _command(
            "staff",
            "import",
            str(path),
            "--unit",
            "國立示範科技大學",
            "--staff",
            STAFF[0],
            "--report",
            str(report),
        ),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    out = process.stdout.read().decode() if process.stdout else ""
    err = process.stderr.read().decode() if process.stderr else ""
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"import exited {process.returncode}: {out} {err}")
    with report.open(encoding="utf-8-sig") as handle:
        reported = sum(1 for _ in handle) - 1
    return {
        "rows": rows,
        "seconds": seconds,
        "rows_per_second": rows / seconds,
        "peak_mib": usage.ru_maxrss / 1024,  # KiB on Linux
        # CPU time says what the import costs whatever else the machine runs (wall time does not)
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "reported": reported,
        "file_mib": path.stat().st_size / 2**20,
        "summary": out.strip(),  # type: ignore[dict-item]
    }


def run(rows: int = 100_000) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        found = measure(rows, Path(tmp))
    load = os.getloadavg()[0]  # the machine is shared: say how busy it was
    met_speed = "yes" if found["rows_per_second"] >= 2_000 else "NO"
    met_memory = "yes" if found["peak_mib"] <= 300 else "NO"
    return [
        f"### Group import: a {rows:,}-row unit file through `ipas-kiosk staff import`",
        "",
        f"UTF-8 CSV with a BOM, {found['file_mib']:.1f} MiB, a title row, ≈ 1 % bad rows;"
        " a fresh SQLite file; the report of every row written beside it"
        f" ({found['reported']:,} rows). {found['summary']}",
        "",
        "| rows | seconds | rows/s | goal ≥ 2,000 | CPU s | rows per CPU s | peak RSS MiB"
        " | goal ≤ 300 | load average |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| {rows:,} | {found['seconds']:.1f} | {found['rows_per_second']:,.0f} | {met_speed}"
        f" | {found['cpu_seconds']:.1f} | {rows / found['cpu_seconds']:,.0f}"
        f" | {found['peak_mib']:.0f} | {met_memory} | {load:.1f} |",
    ]


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    print("\n".join(run(size)))

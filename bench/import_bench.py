#!/usr/bin/env python3
"""Import benchmark (issues 3 and 17; results go to docs/performance.md).

Generates an N-row, 13-column student file and measures, side by side in one run:
  1. the database's own loader into a table with the same keys: the sqlite3 shell's .import;
     PostgreSQL's `psql \\copy` into a typed, keyed table; MariaDB's LOAD DATA LOCAL INFILE;
  2. patrond full import into an empty database;
  3. the same full import again, nothing changed;
  4. an incremental run with 1% of rows changed (half homeroom and teacher e-mail moves, half
     last names);
and the peak memory (max RSS) of each patrond run. PostgreSQL 15 and MariaDB are started here
on loopback in a temp dir (fsync off, as the tests run them) and stopped at the end.

patrond runs with the environment the systemd unit gives the service
(GLIBC_TUNABLES=glibc.malloc.hugetlb=1: malloc's large blocks on transparent huge pages);
--plain-malloc runs it without.

Usage: bench/import_bench.py [--backend sqlite|postgresql|mysql] [--rows 1000000]
                             [--patrond build/bin/patrond] [--keep DIR] [--rounds N]
                             [--plain-malloc]
"""
import argparse
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HEADER = ["StudentID", "Barcode", "LastName", "FirstName", "MiddleName", "SchoolCode", "Grade",
          "GradYear", "Homeroom", "TeacherEmail", "DOB", "Email", "Username"]
FIRST = ["Zoë", "Liam", "Olivia", "Noah", "Emma", "Mateo", "Ava", "Lucas", "Sofía", "Ethan"]
LAST = ["Núñez", "Smith", "Johnson", "García", "Brown", "O'Neil", "Nguyen", "Patel", "Müller", "Lee"]
PG_BIN = "/usr/lib/postgresql/15/bin"
SERVICE_TUNABLES = "glibc.malloc.hugetlb=1"


def generate(path, rows, changed_every=0):
    """Every `changed_every`th row changed: alternately a last name, and a homeroom move (the
    homeroom and its teacher's e-mail)."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(",".join(HEADER) + "\n")
        for i in range(rows):
            sid = 100000 + i
            site = ("LHS", "JMS", "WES")[i % 3]
            grade = str(6 + i % 7)
            last = LAST[i % 10]
            room = i % 400
            if changed_every and i % changed_every == 0:
                if (i // changed_every) % 2 == 0:
                    last = last + "-Changed"
                else:
                    room = (room + 1) % 400
            first = FIRST[(i // 10) % 10]
            f.write(f"S{sid},P{sid},{last},{first},,{site},{grade},{2032 - int(grade) + 6},"
                    f"Room {room},t{room}@example.org,{1 + i % 12:02d}/{1 + i % 28:02d}/2012,"
                    f"s{sid}@example.org,s{sid}\n")


CONFIG = """
district: {{name: Bench, timezone: America/Chicago}}
database: {{backend: {backend}, connection: "{connection}"{password}}}
logging: {{level: warning, system: false}}
sites:
  - {{code: LHS, name: L, type: high}}
  - {{code: JMS, name: J, type: middle}}
  - {{code: WES, name: W, type: elementary}}
imports:
  - name: students
    source: {{directory: {dir}, file: students.csv}}
    mapping: students.mapping.yaml
    options: {{summary: errors_and_warnings}}
    lifecycle: {{min_records_read: 0, inactivate: {{not_updated_days: 7}}, max_percent: 10}}
"""

MAPPING = """
header: true
match_on: district_id
fields:
  district_id: StudentID
  barcode: Barcode
  last_name: LastName
  first_name: FirstName
  middle_name: MiddleName
  site: SchoolCode
  grade: Grade
  grad_year: GradYear
  homeroom: Homeroom
  homeroom_teacher_email: TeacherEmail
  birthdate: {column: DOB, format: "%m/%d/%Y"}
  email: Email
  username: Username
defaults: {patron_type: Student, access_level: Patron, persona: student}
"""

# The loader's table: the file's columns, typed, with the keys patrond's table has.
TYPED = {"Grade": "INTEGER", "GradYear": "INTEGER", "DOB": "DATE"}


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stdout}\n{r.stderr}")
    return r.stdout


def timed(cmd, **kw):
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.monotonic()
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    elapsed = time.monotonic() - t
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stdout}\n{r.stderr}")
    return elapsed, max(peak, before) / 1024.0, r.stdout


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sqlite:
    loader = "sqlite3 .import"
    ratio = "x .import"
    targets = (1.0, 0.25, 0.25)

    def __init__(self, work):
        self.work = work
        self.db = os.path.join(work, "patrond.db")

    def config(self):
        return "sqlite3", f"db={self.db}", ""

    def fresh(self):
        for f in (self.db, self.db + "-wal", self.db + "-shm", os.path.join(self.work, "shell.db")):
            if os.path.exists(f):
                os.remove(f)

    def load(self, csv):
        shell_db = os.path.join(self.work, "shell.db")
        schema = ("CREATE TABLE t (" + ", ".join(
            f"{c} TEXT" + (" PRIMARY KEY" if c == "StudentID" else " UNIQUE" if c == "Barcode" else "")
            for c in HEADER) + ");")
        subprocess.run(["sqlite3", shell_db, schema], check=True)
        return timed(["sqlite3", shell_db, ".mode csv", f".import --skip 1 {csv} t"])[0]

    def stop(self):
        pass


class Postgres:
    loader = "psql \\copy"
    ratio = "x \\copy"
    targets = (1.3, 0.4, 0.3)

    def __init__(self, work):
        self.dir = os.path.join(work, "pg")
        self.port = free_port()
        run(["install", "-d", "-o", "postgres", "-g", "postgres", self.dir])
        run(["runuser", "-u", "postgres", "--", f"{PG_BIN}/initdb", "-D", self.dir + "/data",
             "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"])
        run(["runuser", "-u", "postgres", "--", f"{PG_BIN}/pg_ctl", "-D", self.dir + "/data",
             "-l", self.dir + "/log", "-w", "-o",
             f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
             "-c synchronous_commit=off", "start"])
        self.started = True

    def psql(self, sql, db="postgres"):
        return run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", db,
                    "-q", "-v", "ON_ERROR_STOP=1", "-c", sql])

    def config(self):
        return ("postgresql", f"host=127.0.0.1 port={self.port} dbname=bench user=postgres", "")

    def fresh(self):
        self.psql("DROP DATABASE IF EXISTS bench")
        self.psql("DROP DATABASE IF EXISTS loader")
        self.psql("CREATE DATABASE bench")
        self.psql("CREATE DATABASE loader")

    def load(self, csv):
        cols = ", ".join(f"{c} {TYPED.get(c, 'TEXT')}" + (
            " PRIMARY KEY" if c == "StudentID" else " UNIQUE" if c == "Barcode" else "")
            for c in HEADER)
        self.psql(f"CREATE TABLE t ({cols})", "loader")
        return timed(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d",
                      "loader", "-q", "-v", "ON_ERROR_STOP=1", "-c",
                      f"\\copy t FROM '{csv}' WITH (FORMAT csv, HEADER true)"])[0]

    def stop(self):
        subprocess.run(["runuser", "-u", "postgres", "--", f"{PG_BIN}/pg_ctl", "-D",
                        self.dir + "/data", "-m", "immediate", "-w", "stop"],
                       capture_output=True)


class Mariadb:
    loader = "LOAD DATA LOCAL INFILE"
    ratio = "x LOAD"
    targets = (1.3, 0.4, 0.3)
    password = "bench pw"

    def __init__(self, work):
        self.dir = os.path.join(work, "my")
        os.makedirs(self.dir, exist_ok=True)
        shutil.chown(self.dir, "mysql", "mysql")  # the server makes its socket here
        self.port = free_port()
        self.sock = os.path.join(self.dir, "sock")
        data = os.path.join(self.dir, "data")
        run(["mariadb-install-db", "--no-defaults", "--user=mysql", f"--datadir={data}",
             "--skip-test-db", "--auth-root-authentication-method=socket"])
        self.log = open(os.path.join(self.dir, "log"), "w")
        self.proc = subprocess.Popen(
            [shutil.which("mariadbd") or "/usr/sbin/mariadbd", "--no-defaults", "--user=mysql",
             f"--datadir={data}", f"--socket={self.sock}", f"--port={self.port}",
             "--bind-address=127.0.0.1", "--skip-log-bin", "--skip-name-resolve",
             "--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0", "--local-infile=1",
             "--innodb-buffer-pool-size=512M"], stdout=self.log, stderr=self.log)
        for _ in range(300):
            if subprocess.run(["mariadb-admin", "--no-defaults", "-S", self.sock, "-u", "root",
                               "ping"], capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        else:
            self.stop()
            sys.exit("mariadbd did not start")
        self.pwfile = os.path.join(self.dir, "password")
        with open(self.pwfile, "w") as f:
            f.write(self.password)
        os.chmod(self.pwfile, 0o600)
        self.sql(f"CREATE USER 'patrond'@'127.0.0.1' IDENTIFIED BY '{self.password}'")

    def sql(self, statement, db=None):
        return run(["mariadb", "--no-defaults", "-S", self.sock, "-u", "root", "--local-infile=1"]
                   + ([db] if db else []) + ["-e", statement])

    def config(self):
        return ("mysql", f"host=127.0.0.1 port={self.port} db=bench user=patrond",
                f", password_file: {self.pwfile}")

    def fresh(self):
        for db in ("bench", "loader"):
            self.sql(f"DROP DATABASE IF EXISTS {db}")
            self.sql(f"CREATE DATABASE {db} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
        self.sql("GRANT ALL ON bench.* TO 'patrond'@'127.0.0.1'")

    def load(self, csv):
        cols = ", ".join(f"{c} {TYPED.get(c, 'VARCHAR(255)')}" + (
            " PRIMARY KEY" if c == "StudentID" else " UNIQUE" if c == "Barcode" else "")
            for c in HEADER)
        self.sql(f"CREATE TABLE t ({cols})", "loader")
        names = ", ".join("@dob" if c == "DOB" else c for c in HEADER)
        return timed(["mariadb", "--no-defaults", "-S", self.sock, "-u", "root",
                      "--local-infile=1", "loader", "-e",
                      f"LOAD DATA LOCAL INFILE '{csv}' INTO TABLE t CHARACTER SET utf8mb4 "
                      "FIELDS TERMINATED BY ',' LINES TERMINATED BY '\\n' IGNORE 1 LINES "
                      f"({names}) SET DOB = STR_TO_DATE(@dob, '%m/%d/%Y')"])[0]

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


BACKENDS = {"sqlite": Sqlite, "postgresql": Postgres, "mysql": Mariadb}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", choices=sorted(BACKENDS), default="sqlite")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--patrond", default="build/bin/patrond")
    ap.add_argument("--keep")
    ap.add_argument("--plain-malloc", action="store_true",
                    help="run patrond without the systemd unit's GLIBC_TUNABLES")
    ap.add_argument("--rounds", type=int, default=1)
    args = ap.parse_args()
    work = args.keep or tempfile.mkdtemp(prefix="patrond-bench-")
    os.makedirs(work, exist_ok=True)
    if args.backend != "sqlite":
        os.chmod(work, 0o755)  # the server runs as its own user (postgres, mysql)
    csv = os.path.join(work, "students.csv")
    changed = os.path.join(work, "students-changed.csv")
    print(f"generating {args.rows} rows in {work} ...", flush=True)
    generate(csv, args.rows)
    generate(changed, args.rows, changed_every=100)
    size_mb = os.path.getsize(csv) / 1e6

    backend = BACKENDS[args.backend](work)
    try:
        name, connection, password = backend.config()
        with open(os.path.join(work, "patrond.yaml"), "w") as f:
            f.write(CONFIG.format(backend=name, connection=connection, password=password, dir=work))
        with open(os.path.join(work, "students.mapping.yaml"), "w") as f:
            f.write(MAPPING)
        cfg = ["--config", os.path.join(work, "patrond.yaml")]
        bin_ = os.path.abspath(args.patrond)
        env = dict(os.environ)
        if args.plain_malloc:
            env.pop("GLIBC_TUNABLES", None)
        else:
            env["GLIBC_TUNABLES"] = SERVICE_TUNABLES  # as systemd/patrond.service sets it

        # This machine is shared: one round can run at half speed. Each round measures the
        # loader and the three runs back to back; the round with the median loader is shown.
        rounds = []
        for _ in range(args.rounds):
            backend.fresh()
            loader_s = backend.load(csv)
            timed([bin_, "db", "migrate"] + cfg)
            results = []
            for (run_name, extra), target in zip([
                ("full import, empty database", ["--as-of", "2026-10-15 02:00"]),
                ("full import again, nothing changed", ["--as-of", "2026-10-16 02:00"]),
                ("incremental, 1% changed",
                 ["--incremental", "--file", changed, "--as-of", "2026-10-17 02:00"]),
            ], backend.targets):
                cmd = [bin_, "import", "students"] + extra + cfg
                # Each run measured in a fresh child so max RSS is its own.
                r = subprocess.run([sys.executable, "-c", RUNNER, *cmd], capture_output=True,
                                   text=True, env=env)
                if r.returncode != 0:
                    sys.exit(r.stdout + r.stderr)
                secs, rss = map(float, r.stdout.split()[-2:])
                results.append((run_name, secs, rss, target))
            rounds.append((loader_s, results))
            if args.rounds > 1:
                print(f"round {len(rounds)}: loader {loader_s:.2f} s; " +
                      "; ".join(f"{secs:.2f} s ({secs / loader_s:.2f}x)"
                                for _, secs, _, _ in results), flush=True)
    finally:
        backend.stop()
    rounds.sort(key=lambda r: r[0])
    loader_s, results = rounds[len(rounds) // 2]

    print(f"\nbackend {args.backend}, rows {args.rows}, file {size_mb:.0f} MB, "
          f"{backend.loader} {loader_s:.2f} s, malloc "
          f"{'plain' if args.plain_malloc else SERVICE_TUNABLES}\n")
    print(f"{'run':38} {'seconds':>8} {backend.ratio:>10} {'target':>7} {'peak MB':>8}")
    ok = True
    for run_name, secs, rss, target in results:
        ratio = secs / loader_s
        ok &= ratio <= target and rss < 200
        print(f"{run_name:38} {secs:8.2f} {ratio:10.2f} {target:7.2f} {rss:8.0f}")
    print("\nall targets met" if ok else "\nsome targets missed")
    if not args.keep:
        shutil.rmtree(work)


RUNNER = """
import resource, subprocess, sys, time
t = time.monotonic()
r = subprocess.run(sys.argv[1:], capture_output=True, text=True)
s = time.monotonic() - t
if r.returncode != 0:
    print(r.stdout, r.stderr); sys.exit(1)
print(s, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0)
"""

if __name__ == "__main__":
    main()

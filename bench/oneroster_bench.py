#!/usr/bin/env python3
"""OneRoster benchmark (issue 18; results go to docs/performance.md).

Generates a bulk OneRoster 1.1 bundle of N users (students and their homeroom teachers, three
schools, one homeroom class per teacher, each student also in --scheduled scheduled classes)
and a plain CSV file of the same people with the same values, then measures, side by side in
one run, into empty SQLite databases:
  1. patrond full import of the plain CSV;
  2. patrond full import of the bundle as a zip;
  3. the same for the bundle as a folder;
  4. the zip again, nothing changed;
with each run's peak memory (max RSS).

Usage: bench/oneroster_bench.py [--users 1000000] [--scheduled 1] [--patrond build/bin/patrond]
                                [--keep DIR] [--rounds N]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

from import_bench import RUNNER  # one child that times a run and its peak memory

FIRST = ["Zoë", "Liam", "Olivia", "Noah", "Emma", "Mateo", "Ava", "Lucas", "Sofía", "Ethan"]
LAST = ["Núñez", "Smith", "Johnson", "García", "Brown", "O'Neil", "Nguyen", "Patel", "Müller", "Lee"]
SCHOOLS = [("s-lhs", "LHS", "Lincoln High"), ("s-jms", "JMS", "Jefferson Middle"),
           ("s-wes", "WES", "Washington Elementary")]
STUDENTS_PER_HOMEROOM = 24

USER_COLUMNS = ("sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,"
                "userIds,givenName,familyName,middleName,identifier,email,sms,phone,"
                "agentSourcedIds,grades,password")


def csv_field(v):
    return '"' + v.replace('"', '""') + '"' if any(c in v for c in ',"\n') else v


def generate(work, users, scheduled):
    bundle = os.path.join(work, "bundle")
    os.makedirs(bundle, exist_ok=True)
    teachers = max(1, users // (STUDENTS_PER_HOMEROOM + 1))
    students = users - teachers

    def w(name):
        return open(os.path.join(bundle, name), "w", encoding="utf-8", newline="")

    with w("manifest.csv") as f:
        f.write("propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\n")
        for name, mode in [("academicSessions", "bulk"), ("categories", "absent"),
                           ("classes", "bulk"), ("classResources", "absent"),
                           ("courses", "bulk"), ("courseResources", "absent"),
                           ("demographics", "absent"), ("enrollments", "bulk"),
                           ("lineItems", "absent"), ("orgs", "bulk"), ("resources", "absent"),
                           ("results", "absent"), ("users", "bulk")]:
            f.write(f"file.{name},{mode}\n")
    with w("orgs.csv") as f:
        f.write("sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n")
        f.write("d1,,,Bench District,district,BD,\n")
        for sid, code, name in SCHOOLS:
            f.write(f"{sid},,,{name},school,{code},d1\n")
    with w("academicSessions.csv") as f:
        f.write("sourcedId,status,dateLastModified,title,type,startDate,endDate,"
                "parentSourcedId,schoolYear\n")
        f.write("y1,,,2026-2027,schoolYear,2026-08-17,2027-06-11,,2027\n")
    with w("courses.csv") as f:
        f.write("sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,"
                "orgSourcedId,subjects,subjectCodes\n")
        for sid, code, _ in SCHOOLS:
            f.write(f"hr-{code},,,y1,Homeroom,HR,,{sid},,\nsc-{code},,,y1,Course,C,,{sid},,\n")
    sections = max(1, students // 30)
    with w("classes.csv") as f:
        f.write("sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,"
                "classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,"
                "periods\n")
        for t in range(teachers):
            sid, code, _ = SCHOOLS[t % 3]
            f.write(f"hr{t},,,Room {t},,hr-{code},HR{t},homeroom,Room {t},{sid},y1,,,\n")
        for c in range(sections):
            sid, code, _ = SCHOOLS[c % 3]
            f.write(f"sc{c},,,Section {c},,sc-{code},S{c},scheduled,R{c},{sid},y1,,,1\n")
    plain = open(os.path.join(work, "people.csv"), "w", encoding="utf-8", newline="")
    plain.write("ID,Last,First,School,Grade,Homeroom,TeacherEmail,TeacherName,Email,Username,"
                "Persona\n")
    with w("users.csv") as f, w("enrollments.csv") as e:
        f.write(USER_COLUMNS + "\n")
        e.write("sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,"
                "userSourcedId,role,primary,beginDate,endDate\n")
        n = 0
        for t in range(teachers):
            sid, code, _ = SCHOOLS[t % 3]
            first, last = FIRST[t % 10], LAST[(t // 10) % 10]
            f.write(f"t{t},,,true,{sid},teacher,t{t},,{first},{csv_field(last)},,T{t},"
                    f"t{t}@example.org,,,,,\n")
            e.write(f"et{t},,,hr{t},{sid},t{t},teacher,true,,\n")
            plain.write(f"T{t},{csv_field(last)},{first},{code},,Room {t},t{t}@example.org,"
                        f"{first} {csv_field(last)},t{t}@example.org,t{t},teacher\n")
        for s in range(students):
            t = s % teachers
            sid, code, _ = SCHOOLS[t % 3]
            first, last = FIRST[s % 10], LAST[(s // 10) % 10]
            grade = f"{6 + s % 7:02d}"
            tf, tl = FIRST[t % 10], LAST[(t // 10) % 10]
            f.write(f"u{s},,,true,{sid},student,s{s},,{first},{csv_field(last)},,S{s},"
                    f"s{s}@example.org,,,,{grade},\n")
            e.write(f"eh{s},,,hr{t},{sid},u{s},student,false,,\n")
            for k in range(scheduled):
                n += 1
                e.write(f"es{n},,,sc{(s + k * 7) % sections},{sid},u{s},student,false,,\n")
            plain.write(f"S{s},{csv_field(last)},{first},{code},{grade},Room {t},t{t}@example.org,"
                        f"{tf} {csv_field(tl)},s{s}@example.org,s{s},student\n")
    plain.close()
    with zipfile.ZipFile(os.path.join(work, "bundle.zip"), "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(os.listdir(bundle)):
            z.write(os.path.join(bundle, name), name)
    return bundle


CONFIG = """
district: {{name: Bench, timezone: America/Chicago}}
database: {{backend: sqlite3, connection: "db={db}"}}
logging: {{level: warning, system: false}}
sites:
  - {{code: LHS, name: L, type: high}}
  - {{code: JMS, name: J, type: middle}}
  - {{code: WES, name: W, type: elementary}}
imports:
  - name: people
    source: {{directory: {dir}, file: {file}, format: {format}}}
    mapping: {mapping}
    options: {{summary: errors_and_warnings}}
"""

MAPPING_CSV = """
header: true
match_on: district_id
fields: {district_id: ID, last_name: Last, first_name: First, site: School, grade: Grade,
         homeroom: Homeroom, homeroom_teacher_email: TeacherEmail,
         homeroom_teacher_name: TeacherName, email: Email, username: Username, persona: Persona}
defaults: {patron_type: Student, access_level: Patron}
"""

MAPPING_OR = """
header: true
match_on: district_id
fields: {district_id: identifier, last_name: familyName, first_name: givenName,
         site: org.identifier, grade: grade, homeroom: homeroom.title,
         homeroom_teacher_email: homeroom.teacher.email,
         homeroom_teacher_name: homeroom.teacher.name, email: email, username: username,
         persona: persona}
defaults: {patron_type: Student, access_level: Patron}
"""

def run(work, bin_, name, file, fmt, mapping, as_of, fresh):
    db = os.path.join(work, name + ".db")
    if fresh:
        for f in (db, db + "-wal", db + "-shm"):
            if os.path.exists(f):
                os.remove(f)
    cfg = os.path.join(work, name + ".yaml")
    mp = os.path.join(work, name + ".mapping.yaml")
    with open(mp, "w") as f:
        f.write(mapping)
    with open(cfg, "w") as f:
        f.write(CONFIG.format(db=db, dir=work, file=file, format=fmt, mapping=mp))
    if fresh:
        subprocess.run([bin_, "db", "migrate", "--config", cfg], check=True, capture_output=True)
    cmd = [bin_, "import", "people", "--as-of", as_of, "--json", "--config", cfg]
    r = subprocess.run([sys.executable, "-c", RUNNER, *cmd], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(r.stdout + r.stderr)
    secs, rss = map(float, r.stdout.split()[-2:])
    return secs, rss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=1_000_000)
    ap.add_argument("--scheduled", type=int, default=1)
    ap.add_argument("--patrond", default="build/bin/patrond")
    ap.add_argument("--keep")
    ap.add_argument("--rounds", type=int, default=1)
    args = ap.parse_args()
    work = args.keep or tempfile.mkdtemp(prefix="patrond-orbench-")
    os.makedirs(work, exist_ok=True)
    print(f"generating {args.users} users in {work} ...", flush=True)
    generate(work, args.users, args.scheduled)
    sizes = {n: os.path.getsize(os.path.join(work, n)) / 1e6 for n in ("people.csv", "bundle.zip")}
    bundle_mb = sum(os.path.getsize(os.path.join(work, "bundle", n))
                    for n in os.listdir(os.path.join(work, "bundle"))) / 1e6
    bin_ = os.path.abspath(args.patrond)
    rounds = []
    for i in range(args.rounds):
        r = [
            ("plain CSV, full, empty database",
             run(work, bin_, "csv", "people.csv", "csv", MAPPING_CSV, "2026-10-15 02:00", True)),
            ("OneRoster zip, full, empty database",
             run(work, bin_, "zip", "bundle.zip", "oneroster", MAPPING_OR, "2026-10-15 02:00", True)),
            ("OneRoster folder, full, empty database",
             run(work, bin_, "dir", "bundle", "oneroster", MAPPING_OR, "2026-10-15 02:00", True)),
            ("OneRoster zip again, nothing changed",
             run(work, bin_, "zip", "bundle.zip", "oneroster", MAPPING_OR, "2026-10-16 02:00", False)),
            ("plain CSV again, nothing changed",
             run(work, bin_, "csv", "people.csv", "csv", MAPPING_CSV, "2026-10-16 02:00", False)),
        ]
        rounds.append(r)
        print(f"round {i + 1}: " + "; ".join(f"{secs:.2f} s" for _, (secs, _) in r), flush=True)
    rounds.sort(key=lambda r: r[0][1][0])
    results = rounds[len(rounds) // 2]
    base = results[0][1][0]
    print(f"\nusers {args.users}, plain CSV {sizes['people.csv']:.0f} MB, bundle "
          f"{bundle_mb:.0f} MB ({sizes['bundle.zip']:.0f} MB zipped), "
          f"{args.scheduled} scheduled class(es) per student\n")
    print(f"{'run':42} {'seconds':>8} {'x CSV':>7} {'peak MB':>8}")
    for name, (secs, rss) in results:
        print(f"{name:42} {secs:8.2f} {secs / base:7.2f} {rss:8.0f}")
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()

"""Compares two patrond --json outputs, the Linux and the Windows binary's, times aside:
ISO date-times of today, durations and the two work folders (Windows spells them
Z:\\...\\ with backslashes) are replaced before the comparison. Exit 0 when equal."""
import datetime
import json
import re
import sys

NOW = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?")
# Dates of the run itself: today in UTC, and a day either side (the district's zone).
_today = datetime.datetime.now(datetime.timezone.utc).date()
RUN_DATES = {(_today + datetime.timedelta(days=d)).isoformat() for d in (-1, 0, 1)}
TIME_KEYS = re.compile(r"(duration|_ms$|seconds|elapsed|took)")


def normalize(value, folder, key=""):
    if isinstance(value, dict):
        return {k: normalize(v, folder, k) for k, v in value.items()}
    if isinstance(value, list):
        return [normalize(v, folder, key) for v in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool) and TIME_KEYS.search(key):
        return "<duration>"
    if isinstance(value, str):
        s = value
        win = "Z:" + folder.replace("/", "\\")
        s = s.replace(win, "<DIR>").replace(folder, "<DIR>")
        # Paths: Windows spells them with backslashes (the demo's data has none).
        s = s.replace("\\", "/")
        if s.startswith("<DIR>") and len(s) > 5 and s.endswith("/"):
            s = s.rstrip("/")  # "folder/" on Linux, "folder" on Windows
        elif s == "<DIR>/":
            s = "<DIR>"
        s = NOW.sub(lambda m: "<now>" if m.group(0)[:10] in RUN_DATES else m.group(0), s)
        return s
    return value


def load(path, folder):
    text = open(path, encoding="utf-8").read().strip()
    if not text:
        return None
    return normalize(json.loads(text), folder)


def main():
    linux_json, windows_json, linux_dir, windows_dir = sys.argv[1:5]
    a = load(linux_json, linux_dir)
    b = load(windows_json, windows_dir)
    if a == b:
        return 0
    la = json.dumps(a, indent=1, sort_keys=True).splitlines()
    lb = json.dumps(b, indent=1, sort_keys=True).splitlines()
    import difflib
    for line in list(difflib.unified_diff(la, lb, "linux", "windows", lineterm=""))[:40]:
        print("  " + line)
    return 1


sys.exit(main())

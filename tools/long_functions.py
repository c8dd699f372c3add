#!/usr/bin/env python3
"""List C++ functions longer than a number of lines (issue 16: a warning, not a gate).

    tools/long_functions.py                 # functions over 80 lines in engine/ adapters/ daemon/
    tools/long_functions.py --over 120      # only those over 120 lines
    tools/long_functions.py --max 120       # exit 1 if any function is over 120 lines
    tools/long_functions.py adapters/sql    # other folders or files

Prints `file:line name length`, longest first. A function's length counts from the first line
of its signature to its closing brace. The scan matches braces in .cpp files after removing
comments, string and character literals (raw strings too) and preprocessor lines; it relies on
the regular clang-format layout of the code base, not on a C++ parser. Lambdas and local
classes count towards the function that holds them.
"""

import argparse
import os
import re
import sys

DEFAULT_DIRS = ["engine", "adapters", "daemon"]
DEFAULT_OVER = 80

QUALIFIERS = re.compile(
    r"(\s*(const|noexcept(\s*\([^()]*\))?|override|final|mutable|&&|&|try))*\s*$")
NAME_BEFORE_PARAMS = re.compile(r"(operator\s*\(\s*\)|operator\s*[^\s\w(][^\s(]*|[~\w:]+)\s*$")
LAMBDA_NAME = re.compile(r"(\w+)\s*=\s*\[")


def strip_code(text):
    """Blank out comments, literals and preprocessor lines, keeping every newline."""
    out = []
    i, n = 0, len(text)
    line_start = True
    while i < n:
        c = text[i]
        if line_start and c in " \t":
            out.append(c)
            i += 1
            continue
        if line_start and c == "#":
            # A preprocessor line, with its continuations.
            while i < n and text[i] != "\n":
                if text[i] == "\\" and i + 1 < n and text[i + 1] == "\n":
                    out.append(" \n")
                    i += 2
                    continue
                out.append(" ")
                i += 1
            continue
        line_start = False
        if c == "\n":
            out.append(c)
            line_start = True
            i += 1
        elif text.startswith("//", i):
            while i < n and text[i] != "\n":
                out.append(" ")
                i += 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(re.sub(r"[^\n]", " ", text[i:end]))
            i = end
        elif c == "R" and i + 1 < n and text[i + 1] == '"' and (i == 0 or not (
                text[i - 1].isalnum() or text[i - 1] == "_") or text[i - 1] in "uUL8"):
            m = re.match(r'R"([^(\s]*)\(', text[i:])
            if not m:
                out.append(c)
                i += 1
                continue
            close = ")" + m.group(1) + '"'
            end = text.find(close, i + m.end())
            end = n if end < 0 else end + len(close)
            out.append('""' + re.sub(r"[^\n]", " ", text[i + 2:end]))
            i = end
        elif c in "\"'":
            # A digit separator (1'000'000) is not a character literal.
            if c == "'" and i > 0 and text[i - 1].isalnum() and i + 1 < n and text[i + 1].isalnum():
                out.append(" ")
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (min(j, n) - i - 1) + (c if j < n else ""))
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def cut_at_top_level(head, pattern):
    """The head cut at the first match of pattern outside () [] {} (or the whole head)."""
    depth = 0
    i = 0
    while i < len(head):
        c = head[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth == 0:
            m = pattern.match(head, i)
            if m:
                return head[:i]
        i += 1
    return head


INIT_LIST = re.compile(r"(?<![:]):(?![:])")
TRAILING_RETURN = re.compile(r"->")


def function_name(head):
    """The name of the function whose body follows head, or None if it is no function body."""
    if "(" not in head:
        return None
    sig = cut_at_top_level(head, INIT_LIST)
    sig = cut_at_top_level(sig, TRAILING_RETURN)
    sig = sig[:QUALIFIERS.search(sig).start()].rstrip()
    if not sig.endswith(")"):
        return None
    depth = 0
    for i in range(len(sig) - 1, -1, -1):
        if sig[i] == ")":
            depth += 1
        elif sig[i] == "(":
            depth -= 1
            if depth == 0:
                before = sig[:i]
                m = NAME_BEFORE_PARAMS.search(before)
                if m and not before.rstrip().endswith("]"):
                    return re.sub(r"\s+", "", m.group(1))
                m = LAMBDA_NAME.search(before)
                return (m.group(1) + " (lambda)") if m else "(lambda)"
    return None


def is_body_head(head):
    """Whether a { after head opens a body (not a braced initializer inside an expression)."""
    s = head.rstrip()
    if not s:
        return True
    if re.search(r"\b(namespace|class|struct|union|enum|extern)\b", s) and "(" not in s:
        return True
    sig = cut_at_top_level(s, TRAILING_RETURN)
    if sig != s:
        return True
    sig = sig[:QUALIFIERS.search(sig).start()].rstrip()
    return sig.endswith(")")


def scan(path):
    """(line, name, length) of each function defined in the file."""
    with open(path, encoding="utf-8", errors="replace") as f:
        code = strip_code(f.read())
    found = []
    # Each open brace: (kind, start line of its head); kind is scope, function or inner.
    stack = []
    head_start = None  # offset where the current declaration's text began
    line = 1
    line_of_offset = []
    for i, c in enumerate(code):
        line_of_offset.append(line)
        if c == "\n":
            line += 1
    in_function = 0
    for i, c in enumerate(code):
        if in_function:
            if c == "{":
                stack.append(("inner", 0, ""))
            elif c == "}":
                kind, start, name = stack.pop()
                if kind == "function":
                    in_function = 0
                    found.append((start, name, line_of_offset[i] - start + 1))
                    head_start = None
            continue
        if c == "{":
            head = code[head_start:i] if head_start is not None else ""
            head = re.sub(r"^\s*(public|private|protected)\s*:", "", head)
            if head_start is not None and not is_body_head(head):
                stack.append(("expr", 0, ""))
                continue
            name = function_name(head)
            if name is not None:
                # The signature's first line: past an access specifier before it.
                k = head_start
                k += re.match(r"\s*((public|private|protected)\s*:\s*)?", code[k:i]).end()
                classes = [n for kind, _, n in stack if kind == "scope" and n]
                if classes and "::" not in name:
                    name = "::".join(classes + [name])
                stack.append(("function", line_of_offset[k], name))
                in_function = 1
            else:
                m = re.search(r"\b(class|struct|union)\s+(\w+)[^:]*(:[^:]|$)", head)
                stack.append(("scope", 0, m.group(2) if m else ""))
                head_start = None
        elif c == "}":
            if stack:
                kind, _, _ = stack.pop()
                if kind != "expr":
                    head_start = None
        elif c == ";":
            if not stack or stack[-1][0] != "expr":
                head_start = None
        elif head_start is None and not c.isspace():
            head_start = i
    return found


def source_files(paths):
    for p in paths:
        if os.path.isfile(p):
            yield p
            continue
        for root, dirs, files in os.walk(p):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if name.endswith(".cpp"):
                    yield os.path.join(root, name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", help="folders or .cpp files (default: %s)" %
                        " ".join(DEFAULT_DIRS))
    parser.add_argument("--over", type=int, default=DEFAULT_OVER,
                        help="list functions longer than this many lines (default %(default)s)")
    parser.add_argument("--max", type=int, default=None,
                        help="exit 1 if any function is longer than this many lines")
    args = parser.parse_args()

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    paths = args.paths or [os.path.join(root, d) for d in DEFAULT_DIRS]
    listed = min(args.over, args.max) if args.max is not None else args.over
    rows = []
    for path in source_files(paths):
        rel = os.path.relpath(path, root) if not args.paths else path
        for line, name, length in scan(path):
            if length > listed:
                rows.append((length, rel, line, name))
    rows.sort(key=lambda r: (-r[0], r[1], r[2]))
    for length, rel, line, name in rows:
        print("%s:%d %s %d" % (rel, line, name, length))
    print("%d function(s) over %d lines" % (len(rows), listed), file=sys.stderr)
    if args.max is not None:
        over = [r for r in rows if r[0] > args.max]
        if over:
            print("%d function(s) over the maximum of %d lines" % (len(over), args.max),
                  file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

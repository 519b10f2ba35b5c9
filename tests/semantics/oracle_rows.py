#!/usr/bin/env python3
"""Checks (or refreshes) the expected lines of the semantics tests against the reference oracle.

Every outcome row of tests/semantics/tst_*.cpp is written

    QTest::newRow("name")
        << R"json({...graph...})json"_ba
        << u"<tasks line>"_s
        << u"<events line>"_s
        << u"<diag line>"_s;

This script runs each inline graph through the oracle (CPython's asyncio) and prints the lines the
oracle's outcome gives, in the format of testutil.h (tasksLine / eventsLine / diagLine).

    oracle_rows.py tst_task.cpp [...]          # report rows whose lines differ from the oracle
    oracle_rows.py --fix tst_task.cpp [...]    # rewrite those lines with the oracle's answers

Python is only needed to write the tests, never to run them.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

ORACLE = os.environ.get("ASYNCGRAPH_ORACLE", "/work/shared/oracle/asyncgraph_oracle.py")

ROW_RE = re.compile(
    r'QTest::newRow\("(?P<name>[^"]+)"\)\s*'
    r'<< R"json\((?P<graph>.*?)\)json"_ba\s*'
    r'<< u"(?P<tasks>(?:[^"\\]|\\.)*)"_s\s*'
    r'<< u"(?P<events>(?:[^"\\]|\\.)*)"_s\s*'
    r'<< u"(?P<diag>(?:[^"\\]|\\.)*)"_s',
    re.S)


def num(x):
    s = format(x, ".10g")
    return "0" if s == "-0" else s


def exc_text(e):
    s = e.get("type", "")
    if e.get("message"):
        s += "(" + e["message"] + ")"
    if "exceptions" in e:
        s += "[" + ",".join(exc_text(m) for m in e["exceptions"]) + "]"
    return s


def value_text(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return num(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list):
        return "[" + ",".join(value_text(x) for x in v) + "]"
    if isinstance(v, dict):
        if len(v) == 1 and "task" in v:
            return "task:" + v["task"]
        if len(v) == 1 and "future" in v:
            return "future:" + (v["future"] if v["future"] is not None else "?")
        if len(v) == 1 and "exception" in v:
            return "exc:" + exc_text(v["exception"])
        return "{" + ",".join(value_text(k) + ":" + value_text(v[k]) for k in sorted(v)) + "}"
    return "undefined"


def tasks_line(o):
    parts = []
    for t in o["tasks"]:
        s = t["name"] + "="
        fin = t.get("final_state")
        if "created_in" in t:
            s += "shutdown->" + fin
        else:
            st = t["state"]
            s += st
            if st == "done":
                s += ":" + value_text(t.get("result"))
            elif st == "failed":
                s += ":" + exc_text(t["exception"])
            if fin != st:
                s += "->" + fin
        parts.append(s)
    return " ".join(parts)


def events_line(o):
    parts = []
    for e in o["events"]:
        s = f"{num(e['t'])}:{e['task']}:{e['state']}"
        if e["phase"] != "run":
            s += "/" + e["phase"]
        parts.append(s)
    return " ".join(parts)


def diag_line(o):
    parts = [o["status"], "end=" + num(o["end_time"])]
    if o.get("futures"):
        parts.append("futures=[" + ",".join(f"{f['name']}={f['state']}" for f in o["futures"]) + "]")
    d = o["diagnostics"]
    if d.get("collections"):
        parts.append("collected=[" + " ".join(num(c["t"]) + ":" + ",".join(c["destroyed"])
                                              for c in d["collections"]) + "]")
    if d.get("exception_never_retrieved"):
        parts.append("never=[" + ",".join(d["exception_never_retrieved"]) + "]")
    if d.get("shutdown_errors"):
        parts.append("shutdown_errors=[" + ",".join(d["shutdown_errors"]) + "]")
    if o.get("excluded") is not None:
        parts.append("excluded")
    return " ".join(parts)


def run_oracle(graph_text, name):
    sc = json.loads(graph_text)
    sc.setdefault("format", "asyncgraph/1")
    sc.setdefault("name", name)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(sc, f)
        path = f.name
    try:
        p = subprocess.run([sys.executable, ORACLE, "run", path], capture_output=True, text=True)
    finally:
        os.unlink(path)
    if p.returncode != 0:
        raise RuntimeError(f"{name}: oracle failed: {p.stderr.strip() or p.stdout.strip()}")
    return json.loads(p.stdout)


def c_escape(s):
    return s.replace("\\", "\\\\").replace('"', '\\"')


def c_unescape(s):
    return re.sub(r"\\(.)", r"\1", s)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fix", action="store_true", help="rewrite differing lines in place")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    differing = 0
    total = 0
    for path in args.files:
        text = open(path, encoding="utf-8").read()
        out = []
        pos = 0
        for m in ROW_RE.finditer(text):
            total += 1
            o = run_oracle(m.group("graph"), m.group("name"))
            want = {"tasks": tasks_line(o), "events": events_line(o), "diag": diag_line(o)}
            row = m.group(0)
            for key in ("tasks", "events", "diag"):
                have = c_unescape(m.group(key))
                if have != want[key]:
                    differing += 1
                    print(f"{os.path.basename(path)}: {m.group('name')}: {key}\n  test:   {have}\n  oracle: {want[key]}")
            if args.fix:
                ind = " " * (m.start() - text.rfind("\n", 0, m.start()) - 1 + 4)
                row = f'QTest::newRow("{m.group("name")}")\n{ind}<< R"json({m.group("graph")})json"_ba' + "".join(
                    f'\n{ind}<< u"{c_escape(want[k])}"_s' for k in ("tasks", "events", "diag"))
            out.append(text[pos:m.start()])
            out.append(row)
            pos = m.end()
        out.append(text[pos:])
        if args.fix:
            with open(path, "w", encoding="utf-8") as f:
                f.write("".join(out))
    print(f"{total} rows, {differing} differing lines" + (" (rewritten)" if args.fix and differing else ""))
    return 1 if differing and not args.fix else 0


if __name__ == "__main__":
    sys.exit(main())

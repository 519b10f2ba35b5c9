#!/usr/bin/env python3
"""Writes the hostile corpus (tests/hostile/*.json): inputs that must end with exit 2 and a
message naming the file, or run to a status, never a crash, a hang or unbounded memory.
The files are committed; this script only documents how the generated ones were made.
Two were not made here: injection-on-freed-future.json and force-timeout-about-to-wake.json are
graphs and injection scripts tst_properties found (a crash and a task stepped twice), kept as
regressions. Rerunning the script leaves them alone.
Files that spend a budget carry small explicit limits.tasks/steps so that the corpus runs in
seconds under AddressSanitizer too; huge-time-limit.json spends the default iteration budget.
Run from anywhere: python3 tests/hostile/make_hostile.py"""
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, data):
    if isinstance(data, (dict, list)):
        data = json.dumps(data) + "\n"
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    with open(os.path.join(HERE, name), "wb") as fh:
        fh.write(data)


def graph(nodes, **extra):
    g = {"format": "asyncgraph/1", "name": extra.pop("name", "hostile")}
    g.update(extra)
    g["nodes"] = nodes
    return g


def main_steps(steps, **extra):
    return graph([{"id": "main", "steps": steps}], **extra)


ok = [{"op": "sleep", "seconds": 1}, {"op": "return", "value": 1}]

# --- not JSON at all
write("empty.json", b"")
write("whitespace-only.json", b"  \n\t\n")
write("truncated.json", json.dumps(main_steps(ok))[:40].encode())
rng = random.Random(7)
write("binary.json", bytes(rng.randrange(256) for _ in range(4096)))
write("nul-bytes.json", b'{"format": "asyncgraph/1",\x00\x00 "nodes": []}')
write("bom.json", b"\xef\xbb\xbf" + json.dumps(main_steps(ok)).encode())
write("garbage-after.json", json.dumps(main_steps(ok)).encode() + b" }")
write("control-char-in-string.json", b'{"format": "asyncgraph/1", "name": "a\x01b", "nodes": []}')
# --- nesting
write("deep-json-arrays.json", b"[" * 200000)
write("deep-json-objects.json", ('{"a":' * 5000 + "1" + "}" * 5000).encode())
nested = [{"op": "sleep", "seconds": 0}]
for _ in range(400):
    nested = [{"op": "try", "body": nested}]
write("deep-steps.json", main_steps(nested))
# --- encodings
write("non-utf8.json", b'{"format": "asyncgraph/1", "name": "\xff\xfe caf\xe9", "nodes": [{"id": "main", "steps": []}]}')
write("overlong-utf8.json", b'{"format": "asyncgraph/1", "name": "\xc0\xaf", "nodes": [{"id": "main", "steps": []}]}')
write("utf16.json", json.dumps(main_steps(ok)).encode("utf-16"))
write("lone-surrogate-escape.json", '{"format": "asyncgraph/1", "name": "\\ud800", "nodes": [{"id": "main", "steps": [{"op": "return", "value": "\\udfff"}]}]}')
# --- numbers
write("nan-seconds.json", '{"format": "asyncgraph/1", "nodes": [{"id": "main", "steps": [{"op": "sleep", "seconds": NaN}]}]}')
write("infinity-seconds.json", '{"format": "asyncgraph/1", "nodes": [{"id": "main", "steps": [{"op": "sleep", "seconds": Infinity}]}]}')
write("overflow-float.json", '{"format": "asyncgraph/1", "nodes": [{"id": "main", "steps": [{"op": "sleep", "seconds": 1e400}]}]}')
write("huge-int-seconds.json", '{"format": "asyncgraph/1", "nodes": [{"id": "main", "steps": [{"op": "sleep", "seconds": 1' + "0" * 400 + '}]}]}')
write("huge-sleep.json", main_steps([{"op": "sleep", "seconds": 1e308}, {"op": "return", "value": 1}]))
write("huge-block.json", main_steps([{"op": "block", "seconds": 1.7e308}, {"op": "block", "seconds": 1.7e308}, {"op": "return", "value": 1}]))
write("huge-time-limit.json", main_steps([{"op": "sleep", "seconds": 1e300}, {"op": "return", "value": 1}], limits={"time": 1.7e308}))
write("tiny-numbers.json", main_steps([{"op": "sleep", "seconds": 5e-324}, {"op": "sleep", "seconds": 1e-400}, {"op": "return", "value": 1e-320}]))
write("negative-zero.json", main_steps([{"op": "sleep", "seconds": -0.0}, {"op": "return", "value": -0.0}]))
# --- counts and repeats
write("huge-repeat.json", main_steps([{"op": "repeat", "times": 10 ** 18, "body": [{"op": "sleep", "seconds": 0}]}]))
write("nested-repeat.json", main_steps(limits={"steps": 300000}, steps=[{"op": "repeat", "times": 10000000, "body": [
    {"op": "repeat", "times": 10000000, "body": [{"op": "sleep", "seconds": 0}]}]}]))
write("repeat-futures.json", main_steps(limits={"steps": 100000}, steps=[{"op": "repeat", "times": 10000000, "body": [
    {"op": "repeat", "times": 10000000, "body": [{"op": "future", "as": "$f"}]}]}]))
write("huge-count.json", graph([
    {"id": "main", "steps": [{"op": "gather", "children": [{"node": "leaf", "count": 10 ** 12}]}]},
    {"id": "leaf", "steps": [{"op": "return"}]}]))
write("count-over-tasks.json", graph(limits={"tasks": 20000}, nodes=[
    {"id": "main", "steps": [{"op": "gather", "children": [{"node": "leaf", "count": 10000000}] * 3}]},
    {"id": "leaf", "steps": [{"op": "return"}]}]))
write("task-limit-small.json", graph([
    {"id": "main", "steps": [{"op": "gather", "children": [{"node": "leaf", "count": 100}]}]},
    {"id": "leaf", "steps": [{"op": "sleep", "seconds": 1}]}], limits={"tasks": 10}))
write("bad-task-limit.json", main_steps(ok, limits={"tasks": -1}))
# --- recursion and spawning without end
write("self-await.json", main_steps([{"op": "await", "target": "main"}]))
write("mutual-await.json", graph([
    {"id": "main", "steps": [{"op": "await", "target": "ping"}]},
    {"id": "ping", "steps": [{"op": "await", "target": "pong"}]},
    {"id": "pong", "steps": [{"op": "await", "target": "ping"}]}]))
write("self-await-caught.json", graph([
    {"id": "main", "steps": [{"op": "try", "body": [{"op": "await", "target": "rec"}],
                              "except": [{"types": ["Exception"], "body": [{"op": "return", "value": "caught"}]}]}]},
    {"id": "rec", "steps": [{"op": "await", "target": "rec"}]}]))
write("spawn-bomb.json", graph(limits={"tasks": 20000}, nodes=[
    {"id": "main", "steps": [{"op": "spawn", "node": "bomb"}, {"op": "hang"}]},
    {"id": "bomb", "steps": [{"op": "spawn", "node": "bomb"}, {"op": "spawn", "node": "bomb"}, {"op": "sleep", "seconds": 1}]}]))
write("spawn-chain-no-time.json", graph(limits={"tasks": 20000}, nodes=[
    {"id": "main", "steps": [{"op": "spawn", "node": "chain"}, {"op": "hang"}]},
    {"id": "chain", "steps": [{"op": "spawn", "node": "chain"}]}]))
write("await-task-chain.json", graph(limits={"tasks": 20000}, nodes=[
    {"id": "main", "steps": [{"op": "spawn", "node": "link", "as": "$t"}, {"op": "await", "target": "$t"}]},
    {"id": "link", "steps": [{"op": "spawn", "node": "link", "as": "$t"}, {"op": "await", "target": "$t"}]}]))
write("sleep0-forever.json", graph(limits={"steps": 300000}, nodes=[
    {"id": "main", "steps": [{"op": "spawn", "node": "spin"}, {"op": "spawn", "node": "spin"}, {"op": "hang"}]},
    {"id": "spin", "steps": [{"op": "repeat", "times": 10000000, "body": [
        {"op": "repeat", "times": 10000000, "body": [{"op": "sleep", "seconds": 0}]}]}]}]))
write("swallow-cancel-forever.json", graph(limits={"steps": 300000}, nodes=[
    {"id": "main", "steps": [{"op": "spawn", "node": "stubborn"}, {"op": "sleep", "seconds": 1}, {"op": "return", "value": 1}]},
    {"id": "stubborn", "steps": [{"op": "repeat", "times": 10000000, "body": [{"op": "repeat", "times": 10000000, "body": [
        {"op": "try", "body": [{"op": "sleep", "seconds": 0}], "except": [{"types": ["CancelledError"], "body": []}]}]}]}]}]))
write("nan-in-ui.json", '{"format": "asyncgraph/1", "ui": {"zoom": NaN}, "nodes": [{"id": "main", "ui": {"x": Infinity}, "steps": [{"op": "return", "value": 1, "note": -Infinity}]}]}')
write("huge-int-ok.json", main_steps([{"op": "sleep", "seconds": 10 ** 30}, {"op": "return", "value": 10 ** 30}]))
write("huge-wait-fanout.json", graph(limits={"tasks": 30000}, nodes=[
    {"id": "main", "steps": [{"op": "wait", "children": [{"node": "leaf", "count": 10000000}], "timeout": 1}]},
    {"id": "leaf", "steps": [{"op": "hang"}]}]))
write("empty-repeat-body.json", main_steps(limits={"steps": 300000}, steps=[{"op": "repeat", "times": 10000000, "body": [
    {"op": "repeat", "times": 10000000, "body": []}]}]))
write("task-awaits-itself.json", graph([
    {"id": "main", "steps": [{"op": "spawn", "node": "w", "as": "@t"}, {"op": "await", "target": "@t"}]},
    {"id": "w", "steps": [{"op": "sleep", "seconds": 0}, {"op": "await", "target": "@t"}]}]))
write("shutdown-spin.json", graph(limits={"steps": 200000}, nodes=[
    {"id": "main", "steps": [{"op": "spawn", "node": "stubborn", "as": "@t"}, {"op": "sleep", "seconds": 1}, {"op": "return", "value": 1}]},
    {"id": "stubborn", "steps": [{"op": "try", "body": [{"op": "hang"}], "except": [{"types": ["CancelledError"], "body": [
        {"op": "repeat", "times": 10000000, "body": [{"op": "repeat", "times": 10000000, "body": [{"op": "sleep", "seconds": 0}]}]}]}]}]}]))
write("shutdown-spawn-chain.json", graph(limits={"tasks": 20000}, nodes=[
    {"id": "main", "steps": [{"op": "spawn", "node": "stubborn", "as": "@t"}, {"op": "sleep", "seconds": 1}, {"op": "return", "value": 1}]},
    {"id": "stubborn", "steps": [{"op": "try", "body": [{"op": "hang"}], "except": [{"types": ["CancelledError"], "body": [
        {"op": "spawn", "node": "chain"}, {"op": "hang"}]}]}]},
    {"id": "chain", "steps": [{"op": "spawn", "node": "chain"}]}]))
# --- wrong shapes
write("not-an-object.json", "[1, 2, 3]\n")
write("bad-format.json", {"format": "asyncgraph/2", "nodes": [{"id": "main", "steps": []}]})
write("empty-nodes.json", {"format": "asyncgraph/1", "nodes": []})
write("unknown-op.json", main_steps([{"op": "teleport", "seconds": 1}]))
write("unknown-field.json", main_steps([{"op": "sleep", "seconds": 1, "jitter": 0.5}]))
write("wrong-types.json", main_steps([{"op": "sleep", "seconds": "1"}]))
write("step-not-object.json", main_steps([42]))
write("missing-entry.json", graph([{"id": "start", "steps": ok}]))
write("entry-not-string.json", graph([{"id": "main", "steps": ok}], entry=["main"]))
write("duplicate-ids.json", graph([{"id": "main", "steps": ok}, {"id": "main", "steps": ok}]))
write("duplicate-keys.json", '{"format": "asyncgraph/1", "format": "asyncgraph/1", "nodes": [{"id": "main", "steps": [], "steps": [{"op": "return", "value": 2}]}]}')
write("bad-reference.json", main_steps([{"op": "return", "value": "$1x"}]))
write("unknown-node.json", main_steps([{"op": "await", "target": "nowhere"}]))
write("reraise-outside.json", main_steps([{"op": "reraise"}]))
write("negative-time.json", main_steps([{"op": "sleep", "seconds": -1}]))
write("bad-injections.json", main_steps(ok, injections=[{"op": "teleport", "iteration": 0}]))
write("long-strings.json", main_steps([{"op": "raise", "type": "ValueError", "message": "x" * 200000}]))
write("many-nodes.json", graph([{"id": "main", "steps": [{"op": "await", "target": "n0"}]}] +
                               [{"id": f"n{i}", "steps": [{"op": "await", "target": f"n{i + 1}"}]} for i in range(3000)] +
                               [{"id": "n3000", "steps": []}]))

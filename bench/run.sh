#!/usr/bin/env bash
# Engine vs CPython on the benchmark graphs: builds the release preset, runs every graph of
# ../shared/bench plus a generated 1,000,000-task fan-out and a 100,000-node graph, and prints
# one table of medians (engine: its run with the full trace recorded, as `run --stats` times it:
# entry = until the entry task's run_until_complete returned, the part the oracle's `bench` times
# on CPython; run = that plus the final collection and shutdown; and the whole `asyncscope run`
# process with the outcome written, wall and user+sys CPU seconds; CPython's asyncio through the
# reference oracle's `bench`; the two interleaved run by run; x entry = CPython / engine entry,
# x run = CPython / engine run, x proc = CPython / engine process), then which targets are met.
#
#   bash bench/run.sh [--runs N] [--cpython-runs N] [--no-build] [--no-gui]
#
# Needs /usr/bin/time (package `time`). CPython columns are "-" when python3 or ../shared is
# missing. The GUI lines (timeline paint at 10,000 and 100,000 tasks via bench_timeline; chart
# update, and opening and saving the 100,000-node graph in the window, via bench_gui) need the
# widgets build; --no-gui skips them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)

runs=5
cpy_runs=
build=1
gui=1
while [ $# -gt 0 ]; do
    case "$1" in
    --runs) runs=$2; shift 2 ;;
    --cpython-runs) cpy_runs=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --no-gui) gui=0; shift ;;
    -h | --help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
cpy_runs=${cpy_runs:-$runs}

if [ "$build" = 1 ]; then
    cmake --preset release -DASYNCSCOPE_WERROR=OFF >/dev/null
    targets=(--target asyncscope)
    [ "$gui" = 1 ] && targets+=(--target bench_timeline --target bench_gui)
    cmake --build --preset release -j "$(nproc)" "${targets[@]}" >/dev/null
fi
engine=$root/build/release/app/asyncscope
[ -x "$engine" ] || { echo "no $engine (build the release preset)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is missing (apt-get install time)" >&2; exit 2; }

shared=$root/../shared
oracle=$shared/oracle/asyncgraph_oracle.py
have_py=0
if command -v python3 >/dev/null && [ -f "$oracle" ]; then have_py=1; fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ---- generated graphs
gen_fanout() { # N: main gathers N/10000 batches of 10,000 leaves (sleep 0.5 or 1, sleep 0, return)
    # N leaves + the batches + main are more tasks than the default budget (limits.tasks,
    # 1,000,000) at N = 1,000,000: the graph raises its own budget.
    local n=$1 batches=$(($1 / 10000))
    cat <<JSON
{"format": "asyncgraph/1", "name": "fan-out: $n tasks, gathered, each sleeping",
 "limits": {"tasks": $((2 * n)), "steps": $((100 * n))},
 "nodes": [
  {"id": "main", "steps": [{"op": "gather", "children": [{"node": "batch", "count": $batches}], "as": "\$r"}, {"op": "return", "value": "done"}]},
  {"id": "batch", "steps": [{"op": "gather", "children": [{"node": "leaf", "args": {"d": 0.5}, "count": 5000}, {"node": "leaf", "args": {"d": 1}, "count": 5000}]}]},
  {"id": "leaf", "params": {"d": 1}, "steps": [{"op": "sleep", "seconds": "\$d"}, {"op": "sleep", "seconds": 0}, {"op": "return", "value": "\$d"}]}
 ]}
JSON
}
gen_nodes() { # N: N distinct nodes; main spawns them all in a TaskGroup, each sleeps and returns
    local n=$1
    {
        printf '{"format": "asyncgraph/1", "name": "%d nodes", "nodes": [\n' "$n"
        printf ' {"id": "main", "steps": [{"op": "taskgroup", "children": ['
        awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++) printf "%s\"n%d\"", (i ? ", " : ""), i }'
        printf ']}, {"op": "return", "value": "done"}]}'
        awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++) printf ",\n {\"id\": \"n%d\", \"ui\": {\"x\": %d, \"y\": %d}, \"steps\": [{\"op\": \"sleep\", \"seconds\": %g}, {\"op\": \"return\", \"value\": %d}]}", i, (i % 100) * 160, int(i / 100) * 80, (i % 7) * 0.25, i }'
        printf '\n]}\n'
    }
}
gen_fanout 1000000 >"$tmp/fanout-1m.json"
gen_nodes 100000 >"$tmp/nodes-100k.json"

graphs=()
if [ -d "$shared/bench" ]; then
    for g in "$shared"/bench/*.json; do graphs+=("$g"); done
fi
graphs+=("$tmp/fanout-1m.json" "$tmp/nodes-100k.json")

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else print v[int((NR + 1) / 2)] }'; }

# one engine run: prints "wall_s rss_kb cpu_s tasks events run_s entry_s" (the engine's own
# timings, trace recorded, from `--stats`; entry_s is what the oracle's wall_s times on CPython)
engine_once() {
    local g=$1
    /usr/bin/time -f "%e %M %U %S" -o "$tmp/time" "$engine" run "$g" --outcome "$tmp/outcome.json" --stats 2>"$tmp/stats"
    local tasks events run entry
    tasks=$(sed -n 's/.*"tasks": *\([0-9]*\).*/\1/p' "$tmp/stats" | tail -1)
    events=$(sed -n 's/.*"events": *\([0-9]*\).*/\1/p' "$tmp/stats" | tail -1)
    run=$(sed -n 's/.*"run_s": *\([0-9.e-]*\).*/\1/p' "$tmp/stats" | tail -1)
    entry=$(sed -n 's/.*"entry_s": *\([0-9.e-]*\).*/\1/p' "$tmp/stats" | tail -1)
    read -r wall rss usr sys <"$tmp/time"
    echo "$wall $rss $(awk -v u="$usr" -v s="$sys" 'BEGIN { print u + s }') ${tasks:-0} ${events:-0} ${run:-0} ${entry:-0}"
}
# one CPython run: prints "wall_s rss_kb" (wall: the oracle's own timing of the run)
cpython_once() {
    local g=$1 out
    out=$(/usr/bin/time -f "%M" -o "$tmp/ptime" python3 "$oracle" bench "$g" 2>/dev/null) || { echo "- -"; return; }
    echo "$(echo "$out" | sed -n 's/.*"wall_s": *\([0-9.e-]*\).*/\1/p') $(cat "$tmp/ptime")"
}

printf '%-16s %9s %9s | %8s %8s %8s %8s | %9s %7s %7s %7s | %7s %6s | %10s %9s\n' graph tasks events \
    "entry s" "run s" "proc s" "cpu s" "CPython s" "x entry" "x run" "x proc" "eng MB" "py MB" "bytes/task" "events/s"
printf '%s\n' "-----------------------------------------------------------------------------------------------------------------------------------------"
: >"$tmp/targets"
for g in "${graphs[@]}"; do
    name=$(basename "$g" .json)
    : >"$tmp/e"
    : >"$tmp/p"
    # Interleaved, ours then CPython's, run by run: this VM's speed drifts within minutes, and
    # both sides of a ratio should see the same drift.
    for ((i = 0; i < runs || (have_py == 1 && i < cpy_runs); i++)); do
        [ "$i" -lt "$runs" ] && engine_once "$g" >>"$tmp/e"
        [ "$have_py" = 1 ] && [ "$i" -lt "$cpy_runs" ] && cpython_once "$g" >>"$tmp/p"
    done
    ew=$(awk '{ print $1 }' "$tmp/e" | median)
    em=$(awk '{ print $2 }' "$tmp/e" | median)
    ec=$(awk '{ print $3 }' "$tmp/e" | median)
    tasks=$(awk '{ print $4 }' "$tmp/e" | tail -1)
    events=$(awk '{ print $5 }' "$tmp/e" | tail -1)
    er=$(awk '{ print $6 }' "$tmp/e" | median)
    en=$(awk '{ print $7 }' "$tmp/e" | median)
    pw=$(awk '$1 != "-" { print $1 }' "$tmp/p" | median)
    pm=$(awk '$2 != "-" { print $2 }' "$tmp/p" | median)
    awk -v n="$name" -v t="$tasks" -v ev="$events" -v ew="$ew" -v ec="$ec" -v er="$er" -v en="$en" -v pw="$pw" -v em="$em" -v pm="$pm" \
        -v targets="$tmp/targets" 'BEGIN {
        xentry = (pw != "-" && en > 0) ? sprintf("%.1fx", pw / en) : "-"
        xrun = (pw != "-" && er > 0) ? sprintf("%.1fx", pw / er) : "-"
        xproc = (pw != "-" && ew > 0) ? sprintf("%.1fx", pw / ew) : "-"
        pmb = (pm != "-") ? sprintf("%.0f", pm / 1024) : "-"
        pws = (pw != "-") ? sprintf("%.3f", pw) : "-"
        bpt = (t > 0) ? sprintf("%.0f", em * 1024 / t) : "-"
        eps = (er > 0) ? sprintf("%.2fM", ev / er / 1e6) : "-"
        printf "%-16s %9d %9d | %8.3f %8.3f %8.3f %8.3f | %9s %7s %7s %7s | %7.0f %6s | %10s %9s\n", n, t, ev, en, er, ew, ec, pws, xentry, xrun, xproc, em / 1024, pmb, bpt, eps
        if (n == "fanout-100k" || n == "churn-timeouts" || n == "deep-chain") {
            if (pw != "-") {
                printf "%-16s 10x faster than CPython (entry): %s (%s)\n", n, (en > 0 && pw / en >= 10 ? "met" : "NOT met"), xentry >> targets
                printf "%-16s peak RSS <= CPython:             %s (%.0f vs %s MB)\n", n, (em <= pm ? "met" : "NOT met"), em / 1024, pmb >> targets
            }
        }
        if (n == "fanout-1m")
            printf "%-16s headless in <= 10 s:             %s (%.2f s)\n", n, (ew <= 10 ? "met" : "NOT met"), ew >> targets
    }'
done
echo
echo "targets (issue 6; entry = the engine's run with the trace recorded until the entry task's run_until_complete returned, the part the oracle times on CPython; run = that plus the final collection and shutdown; proc = the whole process: start, load, run, outcome written, exit):"
sed 's/^/  /' "$tmp/targets"

if [ "$gui" = 1 ]; then
    echo
    timeline=$root/build/release/bench/bench_timeline
    if [ -x "$timeline" ]; then
        echo "timeline paint (bench_timeline, median ms per 1600x1000 frame):"
        QT_QPA_PLATFORM=offscreen "$timeline" --frames "$((runs < 3 ? 3 : runs))" 2>/dev/null | sed 's/^/  /'
    fi
    window=$root/build/release/bench/bench_gui
    if [ -x "$window" ]; then
        echo "window (bench_gui, offscreen, median of $((runs < 3 ? 3 : runs))):"
        QT_QPA_PLATFORM=offscreen "$window" --runs "$((runs < 3 ? 3 : runs))" --nodes "$tmp/nodes-100k.json" 2>/dev/null \
            | sed 's/^/  /'
    fi
fi

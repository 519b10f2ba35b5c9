#!/bin/sh
# Regenerates every golden outcome in this directory with the reference oracle
# (CPython 3.11 asyncio on a virtual clock): X.json -> X.outcome.json.
#
#   tests/conformance/regenerate.sh [SCENARIO.json ...]
#
# ASYNCGRAPH_ORACLE names the oracle script (default: the shared copy).
# Fails if the oracle rejects a scenario, marks one excluded, or gives two
# different outcomes for the same scenario (a fixture must be deterministic).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
oracle=${ASYNCGRAPH_ORACLE:-/work/shared/oracle/asyncgraph_oracle.py}
python=${PYTHON:-python3}

if [ ! -f "$oracle" ]; then
    echo "regenerate.sh: oracle not found: $oracle (set ASYNCGRAPH_ORACLE)" >&2
    exit 2
fi

if [ $# -eq 0 ]; then
    set -- "$here"/*.json
fi

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
status=0
count=0
for scenario in "$@"; do
    case "$scenario" in
        *.outcome.json) continue ;;
    esac
    golden=${scenario%.json}.outcome.json
    "$python" "$oracle" run "$scenario" -o "$golden"
    "$python" "$oracle" run "$scenario" -o "$tmp"
    if ! cmp -s "$golden" "$tmp"; then
        echo "regenerate.sh: $(basename "$scenario"): two oracle runs disagree" >&2
        status=1
    fi
    excluded=$("$python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["excluded"] or "")' "$golden")
    if [ -n "$excluded" ]; then
        echo "regenerate.sh: $(basename "$scenario"): excluded by the oracle: $excluded" >&2
        status=1
    fi
    count=$((count + 1))
done
echo "regenerated $count golden outcome(s) in $here"
exit $status

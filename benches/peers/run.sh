#!/usr/bin/env bash
# Compare storyhash with datasketch, rensa and gaoya on one labelled JSONL dump.
#
#   benches/peers/run.sh DUMP [--threads 2] [--tools storyhash,datasketch,rensa,gaoya]
#                             [--repeat N] [--json FILE] [--no-build] [other peers.py options]
#
# Creates benches/peers/.venv on first use (python3 -m venv) with the pinned peers,
# builds storyhash in release mode (skip with --no-build), then runs peers.py, which
# prints a Markdown table on stdout and progress on stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="$here/.venv"
python="${PYTHON:-python3}"

if [[ $# -lt 1 || "$1" == -h || "$1" == --help ]]; then
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi

build=1
args=()
for arg in "$@"; do
    if [[ "$arg" == --no-build ]]; then
        build=0
    else
        args+=("$arg")
    fi
done

if [[ ! -x "$venv/bin/python" ]]; then
    echo "creating $venv" >&2
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet -r "$here/requirements.txt"
fi

if [[ $build == 1 ]]; then
    (cd "$repo" && cargo build --release --quiet)
fi

exec "$venv/bin/python" "$here/peers.py" "${args[@]}"

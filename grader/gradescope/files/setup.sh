#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (written by `grade gradescope`).
# It installs the grader from the wheel beside it into a virtual environment, with the versions of
# numpy, PyYAML, jsonschema, rich and threadpoolctl it was tested with (requirements.txt, from the
# package index), records the interpreter for run_autograder, and leaves this folder readable by root only.
#
#   setup.sh [--prefix DIR] [--no-apt] [--python PYTHON]
#     --prefix DIR     the virtual environment (default /opt/backprop-grader; an existing one is reused).
#                      Keep it outside this folder: the sandboxed student code imports numpy from it.
#     --no-apt         do not install Python with apt-get (an image that has it, or a test)
#     --python PYTHON  the interpreter that creates the environment (default: the tested version if
#                      present, else the newest python3.X >= 3.10)
# The same settings may come from GRADER_PREFIX, GRADER_SKIP_APT=1 and GRADER_PYTHON.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tested="@TESTED_PYTHON@"
prefix="${GRADER_PREFIX:-/opt/backprop-grader}"
apt="yes"
[ "${GRADER_SKIP_APT:-}" = "1" ] && apt="no"
python="${GRADER_PYTHON:-}"

usage() {
    echo "setup.sh: $1 (usage: setup.sh [--prefix DIR] [--no-apt] [--python PYTHON])" >&2
    exit 2
}

while [ "$#" -gt 0 ]; do
    case "$1" in
        --prefix) [ "$#" -ge 2 ] || usage "--prefix needs a folder"; prefix="$2"; shift 2 ;;
        --prefix=*) prefix="${1#*=}"; shift ;;
        --python) [ "$#" -ge 2 ] || usage "--python needs an interpreter"; python="$2"; shift 2 ;;
        --python=*) python="${1#*=}"; shift ;;
        --no-apt) apt="no"; shift ;;
        *) usage "unknown argument: $1" ;;
    esac
done

if [ "$apt" = "yes" ] && command -v apt-get > /dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends python3 python3-venv python3-pip ca-certificates > /dev/null
    # The tested version, where the distribution has it (the pins are known to install there).
    apt-get install -y -qq --no-install-recommends "python$tested" "python$tested-venv" > /dev/null 2>&1 || true
fi

usable() {
    "$1" -c 'import sys, venv; sys.exit(sys.version_info < (3, 10))' > /dev/null 2>&1
}

if [ -z "$python" ]; then
    for candidate in "python$tested" python3.14 python3.13 python3.12 python3.11 python3.10 python3; do
        if command -v "$candidate" > /dev/null 2>&1 && usable "$candidate"; then
            python="$(command -v "$candidate")"
            break
        fi
    done
fi

if [ ! -x "$prefix/bin/python" ]; then
    if [ -z "$python" ]; then
        echo "setup.sh: no Python 3.10 or newer with venv found (pass --python, or let apt-get install it)" >&2
        exit 1
    fi
    "$python" -m venv "$prefix"
fi

wheels=("$here"/*.whl)
if [ "${#wheels[@]}" -ne 1 ] || [ ! -f "${wheels[0]}" ]; then
    echo "setup.sh: expected exactly one wheel of the grader in $here" >&2
    exit 1
fi

pip=("$prefix/bin/python" -m pip install --disable-pip-version-check --no-input --quiet)
if ! "${pip[@]}" -r "$here/requirements.txt" "${wheels[0]}"; then
    echo "setup.sh: warning: the tested versions in requirements.txt do not install with" \
         "$("$prefix/bin/python" --version 2>&1) (tested with Python $tested);" \
         "installing the versions the grader accepts instead" >&2
    "${pip[@]}" "${wheels[0]}"
fi

"$prefix/bin/python" -m grader --version
printf '%s\n' "$prefix/bin/python" > "$here/installed-python"

# The sandboxed student code runs Python from the environment: readable by everyone. This folder
# holds the rubric and the reference implementation: root only (run_autograder checks it again).
chmod -R a+rX "$prefix"
chmod -R go-rwx "$here"
echo "setup.sh: the grader is installed in $prefix"

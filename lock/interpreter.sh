#!/bin/sh
# Which Python builds the environments: `sh lock/interpreter.sh PYTHON [fallback]`.
#
# Plain POSIX sh, so that it answers on any machine, whatever its python3 is (3.6 included): the
# project runs on CPython 3.11, 3.12 and 3.13 only (Keras 3.15 needs 3.11; TensorFlow 2.21 has no
# wheel for 3.14). It runs PYTHON and prints one line: "CPython X.Y.Z PATH" when it is one of those,
# PATH being the interpreter itself (not a pyenv shim). Where it is not, and `fallback` is given
# (make passes it when PYTHON was not set by the user), it tries python3.13, python3.12 and
# python3.11 on PATH, running each (a pyenv shim of a version that is not selected exits 127),
# prints the first that answers and says so on stderr in one line. Otherwise the one line is the
# problem and its fix, and make stops with it.

SUPPORTED="CPython 3.11, 3.12 or 3.13"
asked=${1:-python3}

# "IMPLEMENTATION X.Y.Z PATH" of an interpreter, or nothing if it does not run. Python 2 and 3.0+
# both run this line.
probe() {
    "$1" -c 'import os, sys, platform; sys.stdout.write("%s %d.%d.%d %s\n" % ((platform.python_implementation(),) + tuple(sys.version_info[:3]) + (os.path.realpath(sys.executable),)))' 2>/dev/null </dev/null
}

supported() {
    case "$1" in
        "CPython 3.11."*|"CPython 3.12."*|"CPython 3.13."*) return 0 ;;
    esac
    return 1
}

# What the asked interpreter is, in words: "CPython 3.10.13", or "not found".
described() {
    if [ -n "$1" ]; then echo "$1" | cut -d' ' -f1,2; else echo "not found (or it did not run)"; fi
}

found=$(probe "$asked")
if supported "$found"; then
    echo "$found"
    exit 0
fi
if [ "$2" = fallback ]; then
    for candidate in python3.13 python3.12 python3.11; do
        other=$(probe "$candidate")
        if supported "$other"; then
            echo "note: $asked is $(described "$found"), which this project cannot use; using $candidate ($(described "$other")) instead (PYTHON=/path/to/python chooses)" >&2
            echo "$other"
            exit 0
        fi
    done
    echo "$asked is $(described "$found") and no python3.13, python3.12 or python3.11 on PATH runs; this project needs $SUPPORTED: install one, or name it with PYTHON=/path/to/python3.13"
    exit 1
fi
echo "PYTHON=$asked is $(described "$found"); this project needs $SUPPORTED: name one with PYTHON=/path/to/python3.13"
exit 1

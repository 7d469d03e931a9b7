#!/usr/bin/env bash
# Builds test/fuzz/fuzz_core.c with libFuzzer, AddressSanitizer and
# UndefinedBehaviorSanitizer against wwva's pure C core (src/user_entries.c,
# src/numeric_digits.c) and runs it for a bounded time.
#   test/fuzz/run.sh                 60 seconds
#   WWVA_FUZZ_SECONDS=600 test/fuzz/run.sh
# Prints the number of inputs tried; exits non-zero on any crash, sanitizer
# report or failed property, and on any input over its budget: 1 second
# (libFuzzer's -timeout) and 1024 MB of resident memory for the process
# (-rss_limit_mb, which also caps any one allocation), sanitizers included.
# Inputs run up to 40 kB: the most entries the harness takes (2 x 4096).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
seconds=${WWVA_FUZZ_SECONDS:-60}
time_budget=1           # seconds per input
memory_budget=1024      # MB for the whole fuzzing process
work=$(mktemp -d /tmp/wwva-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT

cc=$(command -v clang || command -v clang-14 || true)
[ -n "$cc" ] || { echo "FAIL: clang not found (Debian: clang-14, libclang-rt-14-dev)" >&2; exit 1; }
"$cc" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Wall -Wextra -Werror \
    -I "$root/src" "$root/test/fuzz/fuzz_core.c" "$root/src/user_entries.c" "$root/src/numeric_digits.c" \
    -o "$work/fuzz_core"

# seeds: a few entry arrays and real stored numerics (short and long headers)
mkdir -p "$work/corpus"
printf '\000\001\000\000\000\201\002\000\000\000\102\001\000\000\000\003' > "$work/corpus/entries"
printf '\001\000\201\001\000' > "$work/corpus/one"                    # 1, short header
printf '\001\202\300\042\000\064\015' > "$work/corpus/cents"         # 34.3400 style
printf '\001\000\100\002\000\001\000\000\000' > "$work/corpus/long"   # long header
# the most entries the harness reads (2 x 4096), all keys distinct: its longest loops
perl -e 'print "\0"; print pack("V", ($_ * 2654435761) % 2**32), "\x80" for 1 .. 8192' > "$work/corpus/most_entries"

"$work/fuzz_core" -max_total_time="$seconds" -seed=1 -max_len=40961 -print_final_stats=1 \
    -timeout="$time_budget" -rss_limit_mb="$memory_budget" \
    -artifact_prefix="$work/" "$work/corpus" > "$work/log" 2>&1 || {
        tail -40 "$work/log" >&2
        for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
            [ -e "$f" ] && cp "$f" /tmp/ && echo "input kept as /tmp/${f##*/} (replay: fuzz_core /tmp/${f##*/})" >&2
        done
        echo "FAIL: fuzz_core found a problem" >&2
        exit 1
    }
runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$')
peak=$(grep -o 'stat::peak_rss_mb: *[0-9]*' "$work/log" | grep -o '[0-9]*$')
echo "ok: libFuzzer ran $runs inputs through the pure C core in ${seconds}s (ASan, UBSan): 0 crashes, none over ${time_budget} s, peak ${peak} MB (budget ${memory_budget} MB)"

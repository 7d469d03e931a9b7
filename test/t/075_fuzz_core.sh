#!/usr/bin/env bash
# libFuzzer over the pure C core (sorted user sets, numeric digit decoding),
# with ASan and UBSan, for WWVA_FUZZ_SECONDS (default 60): see test/fuzz/run.sh.
set -euo pipefail
exec "$(cd "$(dirname "${BASH_SOURCE[0]}")/../fuzz" && pwd)/run.sh"

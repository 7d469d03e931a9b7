#!/usr/bin/env bash
# The statement benchmark: builds and installs wwva, starts a throwaway
# PostgreSQL, loads generated data through the public tables, and prints
# bare-scan, plain-SQL and wwva timings with their ratios.
#   test/bench/bench.sh              scale 1: 10M events, 2M postings, 100 MEs x 12 months
#   WWVA_BENCH_SCALE=0.1 test/bench/bench.sh
#   WWVA_BENCH_RUNS=5 test/bench/bench.sh
set -euo pipefail
# shellcheck source=../lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/lib.sh"
scale=${WWVA_BENCH_SCALE:-1}
runs=${WWVA_BENCH_RUNS:-3}

wwva_install_deps
wwva_build_install
wwva_start_cluster bench
wwva_psql -d postgres -c "CREATE DATABASE bench"
wwva_psql -d bench -c "CREATE EXTENSION wwva"
wwva_log "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); PostgreSQL $(wwva_psql -At -d bench -c 'SHOW server_version')"
wwva_log "generating scale $scale through the public tables ..."
start=$(date +%s)
(cd "$ROOT" && wwva_psql -d bench -v scale="$scale" -f test/bench/generate.sql)
wwva_log "generated in $(( $(date +%s) - start )) s: $(wwva_psql -At -d bench -c "SELECT format('%s events, %s postings, %s distinct users, %s MEs x %s periods', (SELECT count(*) FROM wwva.user_event), (SELECT count(*) FROM wwva.ledger), (SELECT count(DISTINCT user_id) FROM wwva.user_event), (SELECT count(*) FROM wwva.me), (SELECT count(*) FROM wwva.period))")"
(cd "$ROOT" && "$PG_BIN/psql" -X -v ON_ERROR_STOP=1 -v runs="$runs" -d bench -f test/bench/bench.sql)

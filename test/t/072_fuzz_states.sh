#!/usr/bin/env bash
# Fuzzing of the aggregate-state deserializers, which SQL cannot reach: a
# test-only module (test/fuzz/states) calls them inside a stand-in aggregate
# context.  For each of the three aggregates with partial states, a valid
# state from the real transition function (and for two of them the same
# state with a span plan, as states of several calendars carry), then WWVA_FUZZ_STATES (default
# 10000) mutations of it — flipped bytes, cuts, extensions, copied slices,
# counts and lengths set to extremes — each deserialized twice, combined,
# re-serialized and read back, in its own subtransaction.  Passes when the
# backend survives them all, every refusal is an error with a hint, and the
# untouched states are accepted.
#
# Then a budget phase, in a backend of its own: WWVA_FUZZ_STATE_BUDGET
# (default 300) user-count and ledger states of up to 16 MEs naming
# periods up to 1,000,000 (test/hostile/inputs.sql), as built and mutated,
# each read the same way.  Each call must end within 2 s and the backend's
# peak memory (VmHWM) stay within 256 MB: 0.5.0 sized a state by its
# largest period number (40 and 8 MB per ME at 1,000,000).
set -euo pipefail
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
PG_CONFIG=${PG_CONFIG:-$PG_BIN/pg_config}
[ -x "$PG_CONFIG" ] || PG_CONFIG=pg_config
db=wwva_fuzz_states
mutations=${WWVA_FUZZ_STATES:-10000}
budget_calls=${WWVA_FUZZ_STATE_BUDGET:-300}
time_budget=2           # seconds per call
memory_budget=256       # MB, the backend's peak resident memory
module_dir="$ROOT/test/fuzz/states"

cleanup() {
    "$PG_BIN/dropdb" --if-exists "$db" >/dev/null 2>&1 || true
    make -s -C "$module_dir" PG_CONFIG="$PG_CONFIG" uninstall clean >/dev/null 2>&1 || true
}
trap cleanup EXIT
make -s -C "$module_dir" PG_CONFIG="$PG_CONFIG" clean all install >/dev/null

"$PG_BIN/dropdb" --if-exists "$db" >/dev/null 2>&1
"$PG_BIN/createdb" "$db"
"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$db" -c "CREATE EXTENSION wwva" \
    -c "CREATE FUNCTION fuzz_state(text, bytea) RETURNS bytea AS 'wwva_fuzz_states', 'wwva_fuzz_state' LANGUAGE C"

out=$("$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -v mutations="$mutations" -d "$db" <<'SQL'
SET client_min_messages = warning;
SELECT setseed(0.17);

CREATE FUNCTION random_int(low int, high int) RETURNS int LANGUAGE sql AS
$$ SELECT low + floor(random() * (high - low + 1))::int $$;

-- one random change to a state
CREATE FUNCTION mutate(state bytea) RETURNS bytea LANGUAGE plpgsql AS $$
DECLARE
    n int := length(state);
    op int := random_int(0, 5);
    at int := random_int(0, greatest(n - 1, 0));
BEGIN
    CASE op
    WHEN 0 THEN      -- flip one byte
        RETURN set_byte(state, at, random_int(0, 255));
    WHEN 1 THEN      -- cut
        RETURN substr(state, 1, at);
    WHEN 2 THEN      -- extend with random bytes
        RETURN state || decode(repeat(lpad(to_hex(random_int(0, 255)), 2, '0'), random_int(1, 16)), 'hex');
    WHEN 3 THEN      -- a 4-byte field (count, length, scale) set to an extreme
        IF n < 4 THEN RETURN state; END IF;
        at := 4 * random_int(0, (n - 4) / 4);
        RETURN overlay(state placing decode((ARRAY['00000000', 'ffffffff', '7fffffff', '80000000',
                                                   '00000001', '00010000', '000f4241'])[random_int(1, 7)], 'hex')
                       from at + 1 for 4);
    WHEN 4 THEN      -- a slice copied over another place
        RETURN overlay(state placing substr(state, random_int(1, greatest(n, 1)), random_int(1, 12))
                       from at + 1);
    ELSE             -- several flips at once
        FOR i IN 1..random_int(2, 6) LOOP
            state := set_byte(state, random_int(0, greatest(n - 1, 0)), random_int(0, 255));
        END LOOP;
        RETURN state;
    END CASE;
END $$;

CREATE FUNCTION try_state(aggregate text, state bytea) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
    hint text;
    message text;
BEGIN
    PERFORM fuzz_state(aggregate, state);
    RETURN ARRAY['accepted', NULL, NULL];
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS hint = PG_EXCEPTION_HINT, message = MESSAGE_TEXT;
    RETURN ARRAY[SQLSTATE, nullif(hint, ''), message];
END $$;

CREATE TEMP TABLE seeds AS
SELECT a AS aggregate, fuzz_state(a, NULL) AS state
  FROM unnest(ARRAY['user_resource_counts', 'ledger_totals', 'split']) a;
-- a state of several calendars (0.9.0) carries a span plan after its MEs,
-- its magic one higher: the same states with a plan of three spans over
-- three segments {key, first, last, previous + 1, shown}
CREATE FUNCTION with_plan(state bytea) RETURNS bytea LANGUAGE sql AS $$
SELECT set_byte(state, 3, get_byte(state, 3) + 1)
       || int4send(3) || int4send(3)
       || int4send(1) || int4send(1) || int4send(1) || int4send(0) || int4send(1)
       || int4send(4) || int4send(1) || int4send(3) || int4send(0) || int4send(1)
       || int4send(9) || int4send(2) || int4send(3) || int4send(2) || int4send(0)
$$;
INSERT INTO seeds
SELECT aggregate, with_plan(state) FROM seeds WHERE aggregate IN ('user_resource_counts', 'ledger_totals');
-- an untouched state reads, combines with itself and reads back; doing it
-- twice gives the same bytes
SELECT format('SEED %s: a %s-byte state, %s', aggregate, length(state),
              CASE WHEN (try_state(aggregate, state))[1] = 'accepted'
                    AND fuzz_state(aggregate, state) = fuzz_state(aggregate, state)
                   THEN 'read, combined and written back' ELSE 'REFUSED' END)
  FROM seeds;

CREATE TEMP TABLE outcomes AS
SELECT s.aggregate, r[1] AS outcome, r[2] AS hint, r[3] AS message
  FROM seeds s, generate_series(1, :mutations) i,
       LATERAL (SELECT try_state(s.aggregate, mutate(s.state)) AS r WHERE i > 0) t;

SELECT format('%s mutated states over %s aggregates: %s accepted, %s refused; %s internal errors (XX000), %s refusals without a hint',
              count(*), count(DISTINCT aggregate), count(*) FILTER (WHERE outcome = 'accepted'),
              count(*) FILTER (WHERE outcome <> 'accepted'), count(*) FILTER (WHERE outcome = 'XX000'),
              count(*) FILTER (WHERE outcome <> 'accepted' AND hint IS NULL))
  FROM outcomes;
SELECT format('  %s: %s', aggregate, string_agg(format('%s %s', outcome, n), ', ' ORDER BY n DESC, outcome))
  FROM (SELECT aggregate, outcome, count(*) AS n FROM outcomes GROUP BY 1, 2) s GROUP BY aggregate ORDER BY aggregate;
SELECT format('BAD %s %s: %s', aggregate, outcome, message) FROM outcomes
 WHERE outcome = 'XX000' OR (outcome <> 'accepted' AND hint IS NULL)
 GROUP BY 1 LIMIT 20;
SQL
) || { echo "FAIL: the fuzzing session ended abnormally (a crash ends it):" >&2; echo "$out" >&2; exit 1; }

echo "$out" | sed 's/^/  /'
if grep -q '^BAD \|REFUSED' <<<"$out"; then
    echo "FAIL: a state did not round-trip, or an error without a hint (above)" >&2
    exit 1
fi
"$PG_BIN/psql" -X -q -At -d "$db" -c "SELECT 'ok: backend alive after the state fuzzing'"

# --- the budget phase: states whose size once grew with their period numbers -
"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$db" -f "$ROOT/test/hostile/inputs.sql"
out=$("$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -v calls="$budget_calls" \
      -v time_budget="$time_budget" -v memory_budget="$memory_budget" -d "$db" <<'SQL'
SET client_min_messages = warning;
SELECT setseed(0.29);

-- a state of up to 16 MEs with up to 50 periods ending at a far period
CREATE FUNCTION far_state(aggregate text) RETURNS bytea LANGUAGE plpgsql AS $$
DECLARE
    nmes int := random_int(1, 16);
    nperiods int := random_int(1, 50);
    last_period int := (ARRAY[nperiods, 1000, 500000, 1000000])[random_int(1, 4)];
BEGIN
    IF aggregate = 'ledger_totals' THEN
        RETURN hostile_ledger_state(nmes, nperiods, last_period);
    END IF;
    RETURN hostile_user_state(nmes, nperiods, last_period);
END $$;

CREATE FUNCTION timed_state(aggregate text, state bytea) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
    started timestamptz := clock_timestamp();
    r text[] := try_state(aggregate, state);
BEGIN
    RETURN r || extract(epoch FROM clock_timestamp() - started)::text;
END $$;

CREATE TEMP TABLE budget AS
SELECT a AS aggregate, r[1] AS outcome, r[2] AS hint, r[3] AS message, r[4]::float8 AS seconds, mutated
  FROM (SELECT a, i % 2 = 1 AS mutated,
               timed_state(a, CASE WHEN i % 2 = 1 THEN mutate(far_state(a)) ELSE far_state(a) END) AS r
          FROM unnest(ARRAY['user_resource_counts', 'ledger_totals']) a, generate_series(1, :calls / 2) i) c;
-- the peak of this backend, which ran nothing else; NULL where /proc is not there
CREATE TEMP TABLE peak AS
SELECT (regexp_match(pg_read_file('/proc/self/status', 0, 100000, true), 'VmHWM:\s*(\d+) kB'))[1]::float8 / 1024 AS mb;

SELECT format('budget: %s far states over %s aggregates: %s accepted, %s refused; slowest %s s (budget %s s); peak backend memory %s (budget %s MB)',
              count(*), count(DISTINCT aggregate), count(*) FILTER (WHERE outcome = 'accepted'),
              count(*) FILTER (WHERE outcome <> 'accepted'), round(max(seconds)::numeric, 2), :time_budget,
              coalesce(round((SELECT mb FROM peak)::numeric) || ' MB', 'not measured (no /proc)'), :memory_budget)
  FROM budget;
SELECT format('BAD %s %s in %s s: %s', aggregate, outcome, round(seconds::numeric, 2), message) FROM budget
 WHERE seconds > :time_budget OR outcome = 'XX000' OR (outcome <> 'accepted' AND hint IS NULL)
    OR (NOT mutated AND outcome <> 'accepted')
 ORDER BY seconds DESC LIMIT 20;
SELECT format('BAD peak backend memory %s MB is over the budget of %s MB', round(mb::numeric), :memory_budget)
  FROM peak WHERE mb > :memory_budget;
SQL
) || { echo "FAIL: the budget session ended abnormally (a crash ends it):" >&2; echo "$out" >&2; exit 1; }

echo "$out" | sed 's/^/  /'
if grep -q '^BAD ' <<<"$out"; then
    echo "FAIL: a state over its time budget, a refused valid state, or memory over budget (BAD lines above)" >&2
    exit 1
fi
echo "ok: every far state read within ${time_budget} s, the backend within ${memory_budget} MB"

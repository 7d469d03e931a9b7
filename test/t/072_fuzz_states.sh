#!/usr/bin/env bash
# Fuzzing of the aggregate-state deserializers, which SQL cannot reach: a
# test-only module (test/fuzz/states) calls them inside a stand-in aggregate
# context.  For each of the three aggregates with partial states, a valid
# state from the real transition function, then WWVA_FUZZ_STATES (default
# 10000) mutations of it — flipped bytes, cuts, extensions, copied slices,
# counts and lengths set to extremes — each deserialized twice, combined,
# re-serialized and read back, in its own subtransaction.  Passes when the
# backend survives them all, every refusal is an error with a hint, and the
# untouched states are accepted.
set -euo pipefail
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
PG_CONFIG=${PG_CONFIG:-$PG_BIN/pg_config}
[ -x "$PG_CONFIG" ] || PG_CONFIG=pg_config
db=wwva_fuzz_states
mutations=${WWVA_FUZZ_STATES:-10000}
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

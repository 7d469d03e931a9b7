#!/usr/bin/env bash
# SQL-level fuzzing of every C entry point that takes values, and of the
# functions that close, reopen and correct periods: generated
# malformed and extreme inputs (NULLs, empty, mismatched and 2-D arrays, NaN
# and infinities, numerics at their limits, odd scales, unknown words,
# reversed and overlapping periods, random and tampered calendar bytes and
# stored user states) fed to each function and aggregate, each call in its
# own subtransaction.
#
# Passes when the backend survives every call (a crash would end the
# session) and every refusal is a proper error: no internal error (XX000)
# and no error without a hint.  Prints the inputs tried and the outcomes.
#
# Then a budget phase, in a backend of its own: WWVA_FUZZ_BUDGET_CALLS
# (default 200) valid inputs shaped to grow memory and loops (stored
# states naming periods up to 1,000,000 for up to 16 MEs, unions of up to
# 50 of them, per-group counts at period 1,000,000 in up to 50 groups,
# calendars of up to 36,600 periods and 1,000 MEs, a stored (toasted)
# calendar of 30,000 MEs read for up to 50,000 rows, lifetime counting with
# K up to 1000, EMC splits fixing one member per round for up to 1500
# rounds; test/hostile/inputs.sql).  Each call must end in the time budget
# (2 s) and the backend's peak memory (VmHWM) stay within the memory
# budget (256 MB); 0.5.0 took up to 2.5 GB and 25 s on such calls.
#   WWVA_FUZZ_CALLS (default 30000), WWVA_FUZZ_SEED (default 0.42)
set -euo pipefail
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
db=wwva_fuzz
calls=${WWVA_FUZZ_CALLS:-30000}
budget_calls=${WWVA_FUZZ_BUDGET_CALLS:-200}
seed=${WWVA_FUZZ_SEED:-0.42}
time_budget=2           # seconds per call
memory_budget=256       # MB, the backend's peak resident memory
trap '"$PG_BIN/dropdb" --if-exists "$db" >/dev/null 2>&1 || true' EXIT

"$PG_BIN/dropdb" --if-exists "$db" >/dev/null 2>&1
"$PG_BIN/createdb" "$db"
"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$db" -c "CREATE EXTENSION wwva"

out=$("$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -v calls="$calls" -v seed="$seed" -d "$db" <<'SQL'
SET client_min_messages = warning;
SELECT setseed(:seed);

-- pools of values, ordinary and extreme
CREATE TEMP TABLE numerics AS
SELECT v FROM unnest(ARRAY[NULL, '0', '-0.000', '1', '-1', '0.01', '100', '-100', '12345.6789',
                            'NaN', 'Infinity', '-Infinity', '1e-300', '-1e-300',
                            '9.999e300', '-9.999e300', '1e38', '170141183460469231731687303715884105727',
                            '0.000000000000000000000000000000000000001']::numeric[]) v;
CREATE TEMP TABLE words AS
SELECT v FROM unnest(ARRAY[NULL, '', ' ', 'hardware', 'ecosystem', 'revenue', 'cost', 'variable', 'fixed',
                            'interaction', 'transaction', 'customization', 'co_creation', 'total_profit',
                            'ecosystem_profit', 'hardware_profit', 'excess_over_target', 'HARDWARE',
                            'garbage', repeat('x', 300), E'\u00e9t\u00e9', 'a''b']) v;
CREATE TEMP TABLE ints AS
SELECT v FROM unnest(ARRAY[NULL, 0, 1, 2, 3, 12, 40, -1, 1000, 1001, 65535, 65536, 2147483647, -2147483648]) v;
CREATE TEMP TABLE dates AS
SELECT v FROM unnest(ARRAY[NULL, '-infinity', 'infinity', '2024-01-01', '2024-02-01', '2024-03-01',
                            '2023-12-31', '4713-01-01 BC', '5874897-12-31', '2000-02-29']::date[]) v;
CREATE TEMP TABLE instants AS
SELECT v FROM unnest(ARRAY[NULL, '-infinity', 'infinity', '2024-01-15 12:00+00', '2024-02-01 00:00+08',
                            '2024-01-31 23:59:59.999999+00', '4713-01-01 00:00+00 BC', '294276-12-31 23:59:59+00',
                            '1970-01-01 00:00+00']::timestamptz[]) v;
CREATE TEMP TABLE zones AS
SELECT v FROM unnest(ARRAY[NULL, 'UTC', 'Asia/Shanghai', 'America/Santiago', 'EST', 'CET', 'Mars/Olympus', '',
                            '+08', 'XXX-3:30YYY,M3.5.0/0,M10.5.0/0', repeat('Z', 300)]) v;

CREATE FUNCTION pick(tbl regclass) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
    EXECUTE format('SELECT quote_nullable(v) FROM %s ORDER BY random() LIMIT 1', tbl) INTO r;
    RETURN r;
END $$;

-- an array literal of n picked values, sometimes NULL, empty or 2-D
CREATE FUNCTION pick_array(tbl regclass, element_type text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    n int := floor(random() * 6)::int;
    parts text[] := '{}';
    shape float8 := random();
BEGIN
    IF shape < 0.05 THEN RETURN format('NULL::%s[]', element_type); END IF;
    IF shape < 0.10 THEN RETURN format('%L::%s[]', '{}', element_type); END IF;
    IF shape < 0.15 THEN
        RETURN format('ARRAY[ARRAY[%s, %s], ARRAY[%s, %s]]::%s[]', pick(tbl), pick(tbl), pick(tbl), pick(tbl),
                      element_type);
    END IF;
    FOR i IN 1..n LOOP
        parts := parts || pick(tbl);
    END LOOP;
    IF n = 0 THEN RETURN format('%L::%s[]', '{}', element_type); END IF;
    RETURN format('ARRAY[%s]::%s[]', array_to_string(parts, ', '), element_type);
END $$;

-- a calendar: valid, or random bytes, or valid with a byte changed or cut
CREATE FUNCTION pick_calendar() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    shape float8 := random();
    valid bytea := wwva.make_calendar('{a,b}', '{UTC,Asia/Shanghai}', '{1,2}', '{2,3}',
                                      '{2024-01-01,2024-02-01}', '{2024-02-01,2024-03-01}');
    n int;
BEGIN
    IF shape < 0.05 THEN RETURN 'NULL::wwva.calendar'; END IF;
    IF shape < 0.50 THEN RETURN format('%L::wwva.calendar', valid); END IF;
    IF shape < 0.65 THEN
        n := floor(random() * 64)::int;
        RETURN format('%L::wwva.calendar',
                      (SELECT coalesce(string_agg(lpad(to_hex(floor(random() * 256)::int), 2, '0'), ''), '')
                         FROM generate_series(1, n)) COLLATE "C")::text;
    END IF;
    IF shape < 0.85 THEN
        n := 1 + floor(random() * length(valid))::int;
        RETURN format('%L::wwva.calendar', set_byte(valid, n - 1, floor(random() * 256)::int));
    END IF;
    RETURN format('%L::wwva.calendar', substr(valid, 1, floor(random() * length(valid))::int));
END $$;

-- a stored user state: valid, NULL, random bytes, or valid with bytes
-- changed, cut, repeated or counts set to extremes
CREATE TEMP TABLE valid_states AS
SELECT wwva.user_resource_state(m, u, k, t, wwva.make_calendar('{a,b}', '{UTC,Asia/Shanghai}', '{1,2}', '{2,3}',
                                                             '{2024-01-01,2024-02-01}', '{2024-02-01,2024-03-01}')) AS s
  FROM (VALUES ('a', 1::bigint, 'transaction', TIMESTAMPTZ '2024-01-05 00:00+00'),
               ('a', 2, 'co_creation', '2024-02-05 00:00+00'), ('b', -7, 'interaction', '2024-01-31 20:00+00'),
               ('b', 9, 'customization', '2024-02-11 00:00+00')) v(m, u, k, t);
CREATE FUNCTION pick_state() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    shape float8 := random();
    valid bytea := (SELECT s FROM valid_states);
    n int := 1 + floor(random() * length(valid))::int;
BEGIN
    IF shape < 0.05 THEN RETURN 'NULL::bytea'; END IF;
    IF shape < 0.30 THEN RETURN format('%L::bytea', valid); END IF;
    IF shape < 0.40 THEN
        RETURN format('%L::bytea', (SELECT coalesce(string_agg(lpad(to_hex(floor(random() * 256)::int), 2, '0'), ''), '')
                                      FROM generate_series(1, floor(random() * 64)::int)) COLLATE "C")::text;
    END IF;
    IF shape < 0.65 THEN RETURN format('%L::bytea', set_byte(valid, n - 1, floor(random() * 256)::int)); END IF;
    IF shape < 0.75 THEN RETURN format('%L::bytea', set_byte(valid, n - 1, 255)); END IF;
    IF shape < 0.90 THEN RETURN format('%L::bytea', substr(valid, 1, n - 1)); END IF;
    RETURN format('%L::bytea', valid || substr(valid, n));
END $$;

CREATE FUNCTION fuzz_call() RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
    entry int := floor(random() * 23)::int;
    n int := floor(random() * 4)::int;
    q text;
    name text;
BEGIN
    CASE entry
    WHEN 0 THEN name := 'allocate';
        q := format('SELECT wwva.allocate(%s::numeric, %s, %s, %s, %s::int)', pick('numerics'),
                    pick_array('numerics', 'numeric'), pick_array('numerics', 'numeric'),
                    pick_array('numerics', 'numeric'), pick('ints'));
    WHEN 1 THEN name := 'share_pool';
        q := format('SELECT wwva.share_pool(%s::numeric, %s::numeric, %s, %s, %s::numeric, %s::numeric)', pick('numerics'), pick('numerics'),
                    pick_array('numerics', 'numeric'), pick_array('numerics', 'numeric'),
                    pick('numerics'), pick('numerics'));
    WHEN 2 THEN name := 'marginal_cost';
        q := format('SELECT wwva.marginal_cost(%s::numeric, %s::bigint)', pick('numerics'), pick('ints'));
    WHEN 3 THEN name := 'marginal_income';
        q := format('SELECT wwva.marginal_income(%s::numeric, %s::numeric, %s::bigint)', pick('numerics'), pick('numerics'), pick('ints'));
    WHEN 4 THEN name := 'sharing_amount';
        q := format('SELECT wwva.sharing_amount(%s::numeric, %s::numeric, %s::numeric, %s::numeric)', pick('numerics'), pick('numerics'),
                    pick('numerics'), pick('numerics'));
    WHEN 5 THEN name := 'period_index';
        q := format('SELECT wwva.period_index(%s::date, %s, %s)', pick('dates'), pick_array('dates', 'date'),
                    pick_array('dates', 'date'));
    WHEN 6 THEN name := 'make_calendar';
        q := format('SELECT wwva.make_calendar(%s, %s, %s, %s, %s, %s)', pick_array('words', 'text'),
                    pick_array('zones', 'text'), pick_array('ints', 'integer'), pick_array('ints', 'integer'),
                    pick_array('dates', 'date'), pick_array('dates', 'date'));
    WHEN 7 THEN name := 'event_period';
        q := format('SELECT wwva.event_period(%s::text, %s::timestamptz, %s)',
                    (ARRAY['''a''', '''b''', '''c''', 'NULL'])[1 + floor(random() * 4)::int],
                    pick('instants'), pick_calendar());
    WHEN 8 THEN name := 'ledger_totals per group';
        q := format('SELECT wwva.ledger_totals(s, k, b, a) FROM (VALUES (%s::text, %s::text, %s::text, %s::numeric), (%s, %s, %s, %s)) v(s, k, b, a)',
                    pick('words'), pick('words'), pick('words'), pick('numerics'),
                    pick('words'), pick('words'), pick('words'), pick('numerics'));
    WHEN 9 THEN name := 'ledger_totals per ME';
        q := format('SELECT wwva.ledger_totals(m, d, s, k, b, a, %s) FROM (VALUES (%s::text, %s::date, %s::text, %s::text, %s::text, %s::numeric), (%s, %s, %s, %s, %s, %s)) v(m, d, s, k, b, a)',
                    pick_calendar(),
                    (ARRAY['''a''', '''b''', '''c''', 'NULL'])[1 + floor(random() * 4)::int], pick('dates'),
                    pick('words'), pick('words'), pick('words'), pick('numerics'),
                    (ARRAY['''a''', '''b''', '''c''', 'NULL'])[1 + floor(random() * 4)::int], pick('dates'),
                    pick('words'), pick('words'), pick('words'), pick('numerics'));
    WHEN 10 THEN name := 'user_resource_counts per group';
        q := format('SELECT wwva.user_resource_counts(u, k, p, %s::int, %s::int) FROM (VALUES (%s::bigint, %s::text, %s::int), (%s, %s, %s)) v(u, k, p)',
                    pick('ints'), pick('ints'), pick('ints'), pick('words'), pick('ints'),
                    pick('ints'), pick('words'), pick('ints'));
    WHEN 11 THEN name := 'user_resource_counts per ME';
        q := format('SELECT wwva.user_resource_counts(m, u, k, t, %s) FROM (VALUES (%s::text, %s::bigint, %s::text, %s::timestamptz), (%s, %s, %s, %s)) v(m, u, k, t)',
                    pick_calendar(),
                    (ARRAY['''a''', '''b''', '''c''', 'NULL'])[1 + floor(random() * 4)::int], pick('ints'),
                    pick('words'), pick('instants'),
                    (ARRAY['''a''', '''b''', '''c''', 'NULL'])[1 + floor(random() * 4)::int], pick('ints'),
                    pick('words'), pick('instants'));
    WHEN 12 THEN name := 'make_calendar';  -- arrays of matching lengths
        q := format('SELECT wwva.make_calendar(%s, %s, %s, %s, %s, %s)',
                    CASE WHEN n = 0 THEN '''{}''::text[]'
                         ELSE format('ARRAY[%s]', (SELECT string_agg(quote_literal('m' || i), ', ') FROM generate_series(1, n) i)) END,
                    CASE WHEN n = 0 THEN '''{}''::text[]'
                         ELSE format('ARRAY[%s]::text[]', (SELECT string_agg(pick('zones'), ', ') FROM generate_series(1, n))) END,
                    CASE WHEN n = 0 THEN '''{}''::int[]'
                         ELSE format('ARRAY[%s]::int[]', (SELECT string_agg(pick('ints'), ', ') FROM generate_series(1, n))) END,
                    CASE WHEN n = 0 THEN '''{}''::int[]'
                         ELSE format('ARRAY[%s]::int[]', (SELECT string_agg(pick('ints'), ', ') FROM generate_series(1, n))) END,
                    CASE WHEN n = 0 THEN '''{}''::date[]'
                         ELSE format('ARRAY[%s]::date[]', (SELECT string_agg(pick('dates'), ', ') FROM generate_series(1, n))) END,
                    CASE WHEN n = 0 THEN '''{}''::date[]'
                         ELSE format('ARRAY[%s]::date[]', (SELECT string_agg(pick('dates'), ', ') FROM generate_series(1, n))) END);
    WHEN 13 THEN name := 'user_resource_state per ME';
        q := format('SELECT wwva.user_resource_state(m, u, k, t, %s) FROM (VALUES (%s::text, %s::bigint, %s::text, %s::timestamptz), (%s, %s, %s, %s)) v(m, u, k, t)',
                    pick_calendar(),
                    (ARRAY['''a''', '''b''', '''c''', 'NULL'])[1 + floor(random() * 4)::int], pick('ints'),
                    pick('words'), pick('instants'),
                    (ARRAY['''a''', '''b''', '''c''', 'NULL'])[1 + floor(random() * 4)::int], pick('ints'),
                    pick('words'), pick('instants'));
    WHEN 14 THEN name := 'user_resource_state of states';
        q := format('SELECT wwva.user_resource_state(s) FROM (VALUES (%s), (%s), (%s)) v(s)',
                    pick_state(), pick_state(), pick_state());
    WHEN 15 THEN name := 'user_resource_state_counts';
        q := format('SELECT wwva.user_resource_state_counts(%s)', pick_state());
    WHEN 16 THEN name := 'user_resource_state_pairs';
        q := format('SELECT count(*) FROM wwva.user_resource_state_pairs(%s)', pick_state());
    WHEN 17 THEN name := 'ledger_totals_by_period';  -- two rows, perhaps two MEs in one group
        q := format('SELECT wwva.ledger_totals_by_period(m, d, s, k, b, a, %s) FROM (VALUES (%s::text, %s::date, %s::text, %s::text, %s::text, %s::numeric), (%s, %s, %s, %s, %s, %s)) v(m, d, s, k, b, a)%s',
                    pick_calendar(),
                    (ARRAY['''a''', '''b''', '''c''', 'NULL'])[1 + floor(random() * 4)::int], pick('dates'),
                    pick('words'), pick('words'), pick('words'), pick('numerics'),
                    (ARRAY['''a''', '''b''', '''c''', 'NULL'])[1 + floor(random() * 4)::int], pick('dates'),
                    pick('words'), pick('words'), pick('words'), pick('numerics'),
                    CASE WHEN n < 2 THEN ' GROUP BY m' ELSE '' END);
    WHEN 18 THEN name := 'user_resource_counts_by_period';
        q := format('SELECT wwva.user_resource_counts_by_period(m, u, k, t, %s) FROM (VALUES (%s::text, %s::bigint, %s::text, %s::timestamptz), (%s, %s, %s, %s)) v(m, u, k, t)%s',
                    pick_calendar(),
                    (ARRAY['''a''', '''b''', '''c''', 'NULL'])[1 + floor(random() * 4)::int], pick('ints'),
                    pick('words'), pick('instants'),
                    (ARRAY['''a''', '''b''', '''c''', 'NULL'])[1 + floor(random() * 4)::int], pick('ints'),
                    pick('words'), pick('instants'),
                    CASE WHEN n < 2 THEN ' GROUP BY m' ELSE '' END);
    WHEN 19 THEN name := 'close_period';
        q := format('SELECT wwva.close_period(%s::text, %s::text, %s::text)', pick('words'), pick('words'), pick('words'));
    WHEN 20 THEN name := 'reopen_period';
        q := format('SELECT wwva.reopen_period(%s::text, %s::text, %s::text)', pick('words'), pick('words'), pick('words'));
    WHEN 21 THEN name := 'reverse_entry';
        q := format('SELECT wwva.reverse_entry(%s::bigint, %s::date, %s::text)', pick('ints'), pick('dates'), pick('words'));
    ELSE name := 'split';
        q := format('SELECT wwva.split(m, w, l, u, %s::numeric, %s::int) FROM (VALUES (%s::text, %s::numeric, %s::numeric, %s::numeric), (%s, %s, %s, %s)) v(m, w, l, u)',
                    pick('numerics'), pick('ints'),
                    pick('words'), pick('numerics'), pick('numerics'), pick('numerics'),
                    pick('words'), pick('numerics'), pick('numerics'), pick('numerics'));
    END CASE;
    BEGIN
        EXECUTE q;
        RETURN ARRAY[name, 'ok', NULL, q, NULL];
    EXCEPTION WHEN OTHERS THEN
        DECLARE
            hint text;
            message text;
        BEGIN
            GET STACKED DIAGNOSTICS hint = PG_EXCEPTION_HINT, message = MESSAGE_TEXT;
            RETURN ARRAY[name, SQLSTATE, nullif(hint, ''), q, message];
        END;
    END;
END $$;

CREATE TEMP TABLE outcomes AS
SELECT r[1] AS entry, r[2] AS outcome, r[3] AS hint, r[4] AS query, r[5] AS message,
       r[5] LIKE '%wwva%' AS ours
  FROM (SELECT fuzz_call() AS r FROM generate_series(1, :calls) i) c;

-- Errors of ours name the wwva function or value; the rest are the core's
-- own input checks (array literals, casts, dates out of range).
SELECT format('%s inputs over %s entry points: %s returned, %s refused by wwva, %s by the core''s input checks; '
              '%s internal errors (XX000), %s refusals by wwva without a hint',
              count(*), count(DISTINCT entry), count(*) FILTER (WHERE outcome = 'ok'),
              count(*) FILTER (WHERE outcome <> 'ok' AND ours),
              count(*) FILTER (WHERE outcome <> 'ok' AND NOT ours),
              count(*) FILTER (WHERE outcome = 'XX000'),
              count(*) FILTER (WHERE outcome <> 'ok' AND ours AND hint IS NULL))
  FROM outcomes;
SELECT format('  %s: %s', entry, string_agg(format('%s %s', outcome, n), ', ' ORDER BY n DESC, outcome))
  FROM (SELECT entry, outcome, count(*) AS n FROM outcomes GROUP BY 1, 2) s GROUP BY entry ORDER BY entry;
SELECT format('  core: %s', string_agg(DISTINCT outcome || ' ' || regexp_replace(message, '"[^"]*"', '"..."', 'g'), '; '))
  FROM outcomes WHERE outcome <> 'ok' AND NOT ours;
SELECT format('BAD %s %s (%s): %s', entry, outcome, message, query) FROM outcomes
 WHERE outcome = 'XX000' OR (outcome <> 'ok' AND ours AND hint IS NULL)
 LIMIT 20;
SQL
) || { echo "FAIL: the fuzzing session ended abnormally (a crash ends it):" >&2; echo "$out" >&2; exit 1; }

echo "fuzz: $out" | sed 's/^/  /'
if grep -q '^BAD ' <<<"$out"; then
    echo "FAIL: internal errors or errors without a hint (BAD lines above)" >&2
    exit 1
fi
"$PG_BIN/psql" -X -q -At -d "$db" -c "SELECT 'ok: backend alive after the fuzzing'"

# --- the budget phase: inputs that grow memory and loops ---------------------
"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$db" -f "$ROOT/test/hostile/inputs.sql"
out=$("$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -v calls="$budget_calls" -v seed="$seed" \
      -v time_budget="$time_budget" -v memory_budget="$memory_budget" -d "$db" <<'SQL'
SET client_min_messages = warning;
SELECT setseed(:seed);
-- per-group states live side by side in a hash aggregate
SET enable_sort = off;

CREATE FUNCTION pick_int(low int, high int) RETURNS int LANGUAGE sql AS
$$ SELECT low + floor(random() * (high - low + 1))::int $$;
CREATE FUNCTION far_period(nperiods int) RETURNS int LANGUAGE sql AS
$$ SELECT (ARRAY[nperiods, 1000, 500000, 1000000])[pick_int(1, 4)] $$;

-- n daily periods from 2000-01-01 and m MEs, one transaction each in the last period
CREATE FUNCTION wide_calendar(n int, m int) RETURNS wwva.calendar LANGUAGE sql AS $$
SELECT wwva.make_calendar((SELECT array_agg('m' || i) FROM generate_series(1, m) i),
                          array_fill('UTC'::text, ARRAY[m]), array_fill(1, ARRAY[m]), array_fill(2, ARRAY[m]),
                          (SELECT array_agg(DATE '2000-01-01' + d ORDER BY d) FROM generate_series(0, n - 1) d),
                          (SELECT array_agg(DATE '2000-01-01' + d + 1 ORDER BY d) FROM generate_series(0, n - 1) d))
$$;

-- stored, so that every row gets it toasted: 0.5.0 detoasted it per row
CREATE TABLE stored_calendar AS SELECT wide_calendar(366, 30000) AS c;

CREATE FUNCTION budget_call() RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
    entry int := floor(random() * 11)::int;
    nmes int := pick_int(1, 16);
    nperiods int := pick_int(1, 50);
    n int := pick_int(2, 1500);
    q text;
    name text;
    started timestamptz;
BEGIN
    CASE entry
    WHEN 0 THEN name := 'user_resource_state_counts of far periods';
        q := format('SELECT wwva.user_resource_state_counts(hostile_user_state(%s, %s, %s))',
                    nmes, nperiods, far_period(nperiods));
    WHEN 1 THEN name := 'user_resource_state_pairs of far periods';
        q := format('SELECT count(*) FROM wwva.user_resource_state_pairs(hostile_user_state(%s, %s, %s))',
                    nmes, nperiods, far_period(nperiods));
    WHEN 2 THEN name := 'user_resource_state of states at far periods';
        q := format('SELECT length(wwva.user_resource_state(hostile_user_state(%s, 1, 1000000 - i %% 3))) FROM generate_series(1, %s) i',
                    pick_int(1, 4), pick_int(1, 50));
    WHEN 3 THEN name := 'user_resource_counts per group at far periods';
        q := format('SELECT sum(cardinality(c)) FROM (SELECT wwva.user_resource_counts(g::bigint, ''transaction'', %s, 1, 2) AS c FROM generate_series(1, %s) g GROUP BY g) s',
                    (ARRAY[1000, 500000, 1000000])[pick_int(1, 3)], pick_int(1, 50));
    WHEN 4 THEN name := 'user_resource_state_counts of a lifetime window';
        q := format('SELECT wwva.user_resource_state_counts(lifetime_state(%s, %s, %s))',
                    pick_int(1, 300), pick_int(1, 200), pick_int(1, 1000));
    WHEN 5 THEN name := 'allocate, one capped per round';
        q := format('SELECT wwva.allocate(c.pool, c.weights, NULL, c.uppers, 0) FROM capped_chain(%s) c', n);
    WHEN 6 THEN name := 'split, one capped per round';
        q := format('SELECT wwva.split(i::text, w, NULL, u, c.pool, 0) FROM capped_chain(%s) c, unnest(c.weights, c.uppers) WITH ORDINALITY m(w, u, i)', n);
    WHEN 7 THEN name := 'user_resource_counts per ME, a wide calendar';
        q := format($q$SELECT wwva.user_resource_counts('m' || i, 1::bigint, 'transaction', TIMESTAMPTZ '2000-01-01 12:00+00' + (%1$s - 1) * interval '1 day', c) IS NULL
                         FROM (SELECT wide_calendar(%1$s, %2$s) AS c) cal, generate_series(1, %2$s) i$q$,
                    pick_int(1, 36600), pick_int(1, 1000));
    WHEN 8 THEN name := 'event_period, a stored calendar of 30,000 MEs';
        q := format($q$SELECT count(wwva.event_period('m' || i, TIMESTAMPTZ '2000-06-01 12:00+00', (SELECT c FROM stored_calendar)))
                         FROM generate_series(1, %s) i$q$, pick_int(1, 30000));
    WHEN 9 THEN name := 'user_resource_counts per ME, a stored calendar, pairs of one event';
        q := format($q$SELECT wwva.user_resource_counts('m' || (i %% 30000 + 1), i::bigint, 'transaction',
                                                     TIMESTAMPTZ '2000-06-01 12:00+00' + (i / 30000) * interval '1 day',
                                                     (SELECT c FROM stored_calendar)) IS NULL
                         FROM generate_series(1, %s) i$q$, pick_int(1, 50000));
    ELSE name := 'ledger_totals per ME, a wide calendar';
        q := format($q$SELECT wwva.ledger_totals('m' || i, DATE '2000-01-01' + %1$s - 1, 'hardware', 'revenue', NULL, 1, c) IS NULL
                         FROM (SELECT wide_calendar(%1$s, %2$s) AS c) cal, generate_series(1, %2$s) i$q$,
                    pick_int(1, 36600), pick_int(1, 1000));
    END CASE;
    started := clock_timestamp();
    BEGIN
        EXECUTE q;
        RETURN ARRAY[name, 'ok', extract(epoch FROM clock_timestamp() - started)::text, q, NULL];
    EXCEPTION WHEN OTHERS THEN
        RETURN ARRAY[name, SQLSTATE, extract(epoch FROM clock_timestamp() - started)::text, q, SQLERRM];
    END;
END $$;

CREATE TEMP TABLE budget AS
SELECT r[1] AS entry, r[2] AS outcome, r[3]::float8 AS seconds, r[4] AS query, r[5] AS message
  FROM (SELECT budget_call() AS r FROM generate_series(1, :calls) i) c;
-- the peak of this backend, which ran nothing else; NULL where /proc is not there
CREATE TEMP TABLE peak AS
SELECT (regexp_match(pg_read_file('/proc/self/status', 0, 100000, true), 'VmHWM:\s*(\d+) kB'))[1]::float8 / 1024 AS mb;

SELECT format('budget: %s calls over %s entry points, %s ok; slowest %s s (budget %s s); peak backend memory %s (budget %s MB)',
              count(*), count(DISTINCT entry), count(*) FILTER (WHERE outcome = 'ok'), round(max(seconds)::numeric, 2),
              :time_budget, coalesce(round((SELECT mb FROM peak)::numeric) || ' MB', 'not measured (no /proc)'), :memory_budget)
  FROM budget;
SELECT format('  %s: slowest %s s', entry, round(max(seconds)::numeric, 3)) FROM budget GROUP BY entry ORDER BY entry;
SELECT format('BAD %s %s in %s s (%s): %s', entry, outcome, round(seconds::numeric, 2), message, query) FROM budget
 WHERE outcome <> 'ok' OR seconds > :time_budget
 ORDER BY seconds DESC LIMIT 20;
SELECT format('BAD peak backend memory %s MB is over the budget of %s MB', round(mb::numeric), :memory_budget)
  FROM peak WHERE mb > :memory_budget;
SQL
) || { echo "FAIL: the budget session ended abnormally (a crash ends it):" >&2; echo "$out" >&2; exit 1; }

echo "$out" | sed 's/^/  /'
if grep -q '^BAD ' <<<"$out"; then
    echo "FAIL: a call over its time budget, a refused valid input, or memory over budget (BAD lines above)" >&2
    exit 1
fi
echo "ok: every budget call within ${time_budget} s, the backend within ${memory_budget} MB"

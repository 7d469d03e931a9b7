-- test/hostile/inputs.sql: generators of inputs that once made wwva's C
-- functions take memory or time out of proportion to their size, shared
-- by test/t/070_fuzz.sh, 072_fuzz_states.sh and 112_cancel.sh.  Run in a
-- test database (the functions land in its first schema on search_path).

-- hostile_user_state(nmes, nperiods, last_period [, id_len]): a stored user
-- resource state of nmes MEs ('0001', '0002', ...), each with the nperiods
-- periods ending at last_period, one customization each and no users:
-- 36 bytes per ME with one period, 16 per further period.  0.5.0 sized
-- each ME's periods by the largest number (40 MB at 1,000,000), and cut
-- one state per period by zeroing as many slots again.
CREATE FUNCTION hostile_user_state(nmes int, nperiods int, last_period int, id_len int DEFAULT 4)
RETURNS bytea LANGUAGE sql AS $$
SELECT '\x57565532'::bytea || int4send(nmes) ||
       coalesce(string_agg(int4send(id_len) || convert_to(lpad(i::text, id_len, '0'), 'UTF8') ||
                           int4send(1) || int4send(1) || int4send(nperiods) ||
                           (SELECT coalesce(string_agg(int4send(p) || int8send(1) || int4send(0), ''::bytea ORDER BY p), ''::bytea)
                              FROM generate_series(last_period - nperiods + 1, last_period) p),
                           ''::bytea ORDER BY i), ''::bytea)
  FROM generate_series(1, nmes) i
$$;

-- lifetime_state(periods, users, k): one ME 'a' with N 1 and K k, periods
-- 1..periods each holding the same users, all active and co-creating:
-- counting its lifetime users takes about users * k merge steps per period
-- (a legitimate, if large, state: what a long-lived ME with a long
-- lifetime window stores).
CREATE FUNCTION lifetime_state(periods int, users int, k int) RETURNS bytea LANGUAGE sql AS $$
WITH u AS (SELECT string_agg(int8send(i) || int4send(1) || '\x03'::bytea, ''::bytea ORDER BY i) AS blob
             FROM generate_series(1, users) i)
SELECT '\x57565532'::bytea || int4send(1) || int4send(1) || 'a'::bytea || int4send(1) || int4send(k) ||
       int4send(periods) ||
       (SELECT string_agg(int4send(p) || int8send(0) || int4send(users) || u.blob, ''::bytea ORDER BY p)
          FROM generate_series(1, periods) p)
  FROM u
$$;

-- capped_chain(n): a pool, n weights and n upper limits (scale 0) for
-- which fixing the members over their cap round by round fixes exactly one
-- member per round, n rounds in all: weights 2^(n-1) .. 1, each cap the
-- smallest whole one not yet over in the round before.  0.5.0 took n
-- rounds of O(n) numeric work, keeping every round's temporaries.
CREATE FUNCTION capped_chain(n int, OUT pool numeric, OUT weights numeric[], OUT uppers numeric[])
LANGUAGE plpgsql AS $$
DECLARE
    w numeric[] := '{}';
    u numeric[] := ARRAY[0::numeric];   -- member 1 is capped at 0
    p numeric := 1;
    weight numeric := 1;
    r numeric;                          -- the pool less the caps so far
    big_w numeric;                      -- the weight of the members not capped yet
    prev_r numeric;
    prev_w numeric;
    cap numeric;
BEGIN
    FOR i IN 1..n + 2 LOOP p := p * 2; END LOOP;
    FOR i IN 1..n LOOP w := weight || w; weight := weight * 2; END LOOP;
    pool := p;
    prev_r := p;
    prev_w := weight - 1;
    r := p;
    big_w := prev_w - w[1];
    FOR k IN 2..n - 1 LOOP
        cap := div(prev_r * w[k] + prev_w - 1, prev_w);   -- ceil(lambda of the round before * w[k])
        IF NOT cap * big_w < r * w[k] THEN
            RAISE EXCEPTION 'capped_chain(%): no chain at member %', n, k;
        END IF;
        u := u || cap;
        prev_r := r;
        prev_w := big_w;
        r := r - cap;
        big_w := big_w - w[k];
    END LOOP;
    uppers := u || NULL::numeric;       -- the last member is not capped
    weights := w;
END $$;

-- wide_split(n, digits): n members whose weights and caps have about
-- digits digits (above what a double holds when digits > 308), caps
-- spread so that a few rounds fix many members each.
CREATE FUNCTION wide_split(n int, digits int, OUT pool numeric, OUT weights numeric[], OUT uppers numeric[])
LANGUAGE sql AS $$
SELECT 10::numeric ^ (digits + 6),
       array_agg(((i::bigint * 7919) % 100003 + 1)::numeric * 10::numeric ^ digits + i ORDER BY i),
       array_agg(((i::bigint * 104729) % 99991 + 1)::numeric * 10::numeric ^ (digits - 5) ORDER BY i)
  FROM generate_series(1, n) i
$$;

-- hostile_ledger_state(nmes, nperiods, last_period): a partial state of
-- wwva.ledger_totals (what its deserializer reads) of nmes MEs, each with
-- the nperiods periods ending at last_period, all six sums 0: 0.5.0 gave
-- each ME 8 bytes per period number up to the largest.
CREATE FUNCTION hostile_ledger_state(nmes int, nperiods int, last_period int)
RETURNS bytea LANGUAGE sql AS $$
SELECT '\x57564c32'::bytea || int4send(nmes) ||
       coalesce(string_agg(int4send(4) || convert_to(lpad(i::text, 4, '0'), 'UTF8') || int4send(nperiods) ||
                           (SELECT coalesce(string_agg(int4send(p) || '\x300030003000300030003000'::bytea, ''::bytea ORDER BY p), ''::bytea)
                              FROM generate_series(last_period - nperiods + 1, last_period) p),
                           ''::bytea ORDER BY i), ''::bytea)
  FROM generate_series(1, nmes) i
$$;

-- Appends 1% new rows to the benchmark data, as a stream of small
-- statements would: 1,000 statements of 100 events and 200 of 100
-- postings, all in the last period, by users old and new.
--   psql -v scale=1 -v round=1 -f test/bench/append.sql
\set ON_ERROR_STOP 1
\if :{?scale}
\else
\set scale 1
\endif
\if :{?round}
\else
\set round 1
\endif
SELECT set_config('bench.scale', :'scale', false), set_config('bench.round', :'round', false);

DO $$
DECLARE
    scale numeric := current_setting('bench.scale')::numeric;
    round bigint := current_setting('bench.round')::bigint;
    mes integer := (100 * scale)::integer;
    users bigint := (1000000 * scale)::bigint;
    events bigint := (100000 * scale)::bigint;
    postings bigint := (20000 * scale)::bigint;
    first bigint;
BEGIN
    FOR chunk IN 0 .. (events / 100) - 1 LOOP
        first := round * 1000000 + chunk * 100;
        INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind)
        SELECT 'me' || lpad((1 + u % mes)::text, 4, '0'),
               u,
               TIMESTAMPTZ '2024-12-02 00:00:00+00' + ((i * 2654435761) % 2505600) * interval '1 second',
               (ARRAY['interaction', 'interaction', 'interaction', 'interaction', 'interaction',
                      'transaction', 'transaction', 'transaction', 'customization', 'co_creation'])[1 + (i * 40503) % 10]
          FROM generate_series(first, first + 99) AS i,
               LATERAL (SELECT (i * 48271) % (users + users / 10) AS u) AS h;
    END LOOP;
    FOR chunk IN 0 .. (postings / 100) - 1 LOOP
        first := round * 1000000 + chunk * 100;
        INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, behavior, amount, category)
        SELECT 'me' || lpad((1 + i % mes)::text, 4, '0'),
               DATE '2024-12-02' + ((i * 7919) % 29)::integer,
               CASE WHEN i % 5 < 3 THEN 'hardware' ELSE 'ecosystem' END,
               CASE WHEN i % 2 = 0 THEN 'revenue' ELSE 'cost' END,
               CASE WHEN i % 2 = 0 THEN NULL WHEN i % 4 = 1 THEN 'variable' ELSE 'fixed' END,
               ((i * 104729) % 10000000) / 100.0,
               'category ' || i % 13
          FROM generate_series(first, first + 99) AS i;
    END LOOP;
END
$$;

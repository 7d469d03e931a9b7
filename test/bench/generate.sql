-- Benchmark data, loaded through the public tables (every row passes the
-- same validation an analyst's load does).  Scale 1: 100 MEs x 12 monthly
-- periods, 10,000,000 user events by 1,000,000 distinct users, 2,000,000
-- ledger postings.  psql -v scale=1 -f test/bench/generate.sql
\set ON_ERROR_STOP 1
\if :{?scale}
\else
\set scale 1
\endif

INSERT INTO wwva.me (me_id, name, timezone)
SELECT 'me' || lpad(i::text, 4, '0'), 'ME ' || i,
       (ARRAY['Asia/Shanghai', 'UTC', 'Europe/Berlin', 'America/Chicago'])[1 + i % 4]
  FROM generate_series(1, (100 * :scale)::integer) AS i;

INSERT INTO wwva.period
SELECT to_char(d, 'YYYY-MM'), d, (d + interval '1 month')::date
  FROM generate_series(DATE '2024-01-01', DATE '2024-12-01', interval '1 month') AS d;

-- Users belong to one ME each (user % MEs); a multiplicative hash spreads
-- events over users, kinds and the year.
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind)
SELECT 'me' || lpad((1 + u % (100 * :scale)::integer)::text, 4, '0'),
       u,
       TIMESTAMPTZ '2024-01-01 00:00:00+00' + ((i * 2654435761) % 31622400) * interval '1 second',
       (ARRAY['interaction', 'interaction', 'interaction', 'interaction', 'interaction',
              'transaction', 'transaction', 'transaction', 'customization', 'co_creation'])[1 + (i * 40503) % 10]
  FROM generate_series(1::bigint, (10000000 * :scale)::bigint) AS i,
       LATERAL (SELECT (i * 48271) % (1000000 * :scale)::bigint AS u) AS h;

INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, behavior, amount, category)
SELECT 'me' || lpad((1 + i % (100 * :scale)::integer)::text, 4, '0'),
       DATE '2024-01-01' + ((i * 7919) % 366)::integer,
       CASE WHEN i % 5 < 3 THEN 'hardware' ELSE 'ecosystem' END,
       CASE WHEN i % 2 = 0 THEN 'revenue' ELSE 'cost' END,
       CASE WHEN i % 2 = 0 THEN NULL WHEN i % 4 = 1 THEN 'variable' ELSE 'fixed' END,
       ((i * 104729) % 10000000) / 100.0,
       'category ' || i % 13
  FROM generate_series(1::bigint, (2000000 * :scale)::bigint) AS i;

ANALYZE wwva.me, wwva.period, wwva.ledger, wwva.user_event;

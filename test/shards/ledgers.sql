-- The generated ledgers of the scale-out test: 400,000 user events and
-- 80,000 postings over the 16 MEs, some dated outside every period.
-- Loaded into the single-node database only; each shard gets its MEs'
-- rows copied from there.
\set ON_ERROR_STOP 1
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind)
SELECT 'me' || lpad((1 + u % 16)::text, 2, '0'),
       u,
       TIMESTAMPTZ '2023-12-31 12:00:00+00' + ((i * 2654435761) % 16070400) * interval '1 second',
       (ARRAY['interaction', 'interaction', 'interaction', 'transaction', 'transaction',
              'transaction', 'transaction', 'customization', 'co_creation', 'co_creation'])[1 + (i * 40503) % 10]
  FROM generate_series(1::bigint, 400000) AS i,
       LATERAL (SELECT (i * 48271) % 20000 AS u) AS h;

INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, behavior, amount, category)
SELECT 'me' || lpad((1 + i % 16)::text, 2, '0'),
       DATE '2023-12-25' + ((i * 7919) % 195)::integer,
       CASE WHEN i % 5 < 3 THEN 'hardware' ELSE 'ecosystem' END,
       CASE WHEN i % 2 = 0 THEN 'revenue' ELSE 'cost' END,
       CASE WHEN i % 2 = 0 THEN NULL WHEN i % 4 = 1 THEN 'variable' ELSE 'fixed' END,
       ((i * 104729) % 1000000) / 100.0 - CASE WHEN i % 97 = 0 THEN 20000 ELSE 0 END,
       'category ' || i % 7
  FROM generate_series(1::bigint, 80000) AS i;
ANALYZE wwva.ledger, wwva.user_event;

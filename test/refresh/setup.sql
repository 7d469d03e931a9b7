-- A small group for the refresh tests: 4 MEs in 4 time zones with
-- different N and K, 3 monthly periods, 20,000 events, 2,000 postings,
-- sharing rules and targets; then the first refresh.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS wwva;
INSERT INTO wwva.me (me_id, timezone, active_min_transactions, lifetime_periods)
VALUES ('m1', 'Asia/Shanghai', 1, 2), ('m2', 'America/Chicago', 2, 2),
       ('m3', 'Europe/Berlin', 1, 3), ('m4', 'UTC', 3, 1);
INSERT INTO wwva.period VALUES ('2024-01', '2024-01-01', '2024-02-01'),
                               ('2024-02', '2024-02-01', '2024-03-01'),
                               ('2024-03', '2024-03-01', '2024-04-01');
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind)
SELECT 'm' || (1 + i % 4), (i * 7919) % 401,
       TIMESTAMPTZ '2023-12-31 12:00+00' + ((i * 104729) % 7862400) * interval '1 second',
       (ARRAY['interaction', 'transaction', 'transaction', 'customization', 'co_creation'])[1 + i % 5]
  FROM generate_series(1, 20000) AS i;
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, behavior, amount)
SELECT 'm' || (1 + i % 4), DATE '2024-01-01' + (i * 37) % 91,
       (ARRAY['hardware', 'ecosystem'])[1 + i % 2], (ARRAY['revenue', 'cost'])[1 + i / 2 % 2],
       CASE WHEN i / 2 % 2 = 1 THEN (ARRAY['variable', 'fixed'])[1 + i / 4 % 2] END,
       ((i * 7877) % 100000) / 100.0
  FROM generate_series(1, 2000) AS i;
INSERT INTO wwva.sharing_rule VALUES ('m1', 'users', 'excess_over_target', 0.5, NULL, NULL),
                                     ('m2', 'team', 'total_profit', 0.1, 5, 5000);
INSERT INTO wwva.target SELECT me_id, period_id, 'total_profit', 100 FROM wwva.me, wwva.period;
ANALYZE;
SELECT wwva.refresh();

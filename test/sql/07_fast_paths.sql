-- The fast paths give exactly what the plain, slow way gives.
--   1. Money sums: 128-bit integers while they fit, numeric beyond.
--   2. Local dates: time zone offsets looked up in C, around every period
--      boundary and every clock change.
--   3. Distinct users: sorted sets fed by buffers, merged across workers.
--   4. The calendar value: what it refuses.
DROP EXTENSION wwva CASCADE;
CREATE EXTENSION wwva;
SET extra_float_digits = 0;

-- ---------------------------------------------------------------------------
-- 1. Money sums equal sum(numeric), digit for digit and scale for scale
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE amounts (set_name text, amount numeric);
-- overflows 128 bits after a few rows: 10^37 * 40 > 1.7 * 10^38
INSERT INTO amounts SELECT 'overflow', 1e37 + i FROM generate_series(1, 40) i;
-- and back down again, with negative totals on the way
INSERT INTO amounts SELECT 'overflow_and_back', (CASE WHEN i % 2 = 0 THEN 1 ELSE -1 END) * 9e37 * i
  FROM generate_series(1, 30) i;
-- wider than 38 digits: never fits, straight to numeric
INSERT INTO amounts SELECT 'wide', 123456789012345678901234567890123456789012345.678 * i
  FROM generate_series(1, 5) i;
-- every scale from 0 to 40 in one sum: the 128-bit part rescales, then gives up
INSERT INTO amounts SELECT 'mixed_scales', round(1234.56789012345678901234567890123456789, s) * (1 + s % 3)
  FROM generate_series(0, 40) s;
-- zeros that carry a scale, integers with trailing zero digit groups, tiny values
INSERT INTO amounts VALUES ('shapes', 0.000), ('shapes', 100000000000000000000), ('shapes', 0.00000001),
                           ('shapes', -0.5), ('shapes', 1e-30), ('shapes', 12e20);
-- ordinary cents, many of them
INSERT INTO amounts SELECT 'cents', ((i * 7919) % 200001 - 100000) / 100.0 FROM generate_series(1, 20000) i;

CREATE TEMP TABLE postings AS
SELECT set_name, amount,
       (ARRAY['hardware', 'ecosystem'])[1 + n % 2] AS stream,
       (ARRAY['revenue', 'cost'])[1 + n / 2 % 2] AS kind,
       CASE WHEN n / 2 % 2 = 1 THEN (ARRAY['variable', 'fixed'])[1 + n / 4 % 2] END AS behavior
  FROM (SELECT set_name, amount, row_number() OVER () AS n FROM amounts) a;

-- per group (the 0.1 form) and per ME over a calendar (the 0.3 form)
SELECT t.set_name,
       (t.totals).hardware_revenue::text = s.hardware_revenue::text AS hardware_revenue,
       (t.totals).hardware_cost::text = s.hardware_cost::text AS hardware_cost,
       (t.totals).hardware_variable_cost::text = s.hardware_variable_cost::text AS hw_variable,
       (t.totals).ecosystem_revenue::text = s.ecosystem_revenue::text AS ecosystem_revenue,
       (t.totals).ecosystem_cost::text = s.ecosystem_cost::text AS ecosystem_cost,
       (t.totals).ecosystem_variable_cost::text = s.ecosystem_variable_cost::text AS eco_variable
  FROM (SELECT set_name, wwva.ledger_totals(stream, kind, behavior, amount) AS totals
          FROM postings GROUP BY set_name) t
  JOIN (SELECT set_name,
               coalesce(sum(amount) FILTER (WHERE stream = 'hardware' AND kind = 'revenue'), 0) AS hardware_revenue,
               coalesce(sum(amount) FILTER (WHERE stream = 'hardware' AND kind = 'cost'), 0) AS hardware_cost,
               coalesce(sum(amount) FILTER (WHERE stream = 'hardware' AND behavior = 'variable'), 0) AS hardware_variable_cost,
               coalesce(sum(amount) FILTER (WHERE stream = 'ecosystem' AND kind = 'revenue'), 0) AS ecosystem_revenue,
               coalesce(sum(amount) FILTER (WHERE stream = 'ecosystem' AND kind = 'cost'), 0) AS ecosystem_cost,
               coalesce(sum(amount) FILTER (WHERE stream = 'ecosystem' AND behavior = 'variable'), 0) AS ecosystem_variable_cost
          FROM postings GROUP BY set_name) s USING (set_name)
 ORDER BY 1;

-- the totals themselves, for the record
SELECT set_name, (wwva.ledger_totals(stream, kind, behavior, amount)).hardware_revenue
  FROM postings GROUP BY set_name ORDER BY 1;

-- the per-ME form, with the sets as MEs of one calendar, over a parallel plan
INSERT INTO wwva.me (me_id) SELECT DISTINCT set_name FROM amounts;
INSERT INTO wwva.period VALUES ('2024', '2024-01-01', '2025-01-01');
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, behavior, amount)
SELECT set_name, DATE '2024-06-30', stream, kind, behavior, amount FROM postings;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT f.me_id,
       f.hardware_revenue::text = s.hardware_revenue::text
   AND f.hardware_cost::text = s.hardware_cost::text
   AND f.ecosystem_revenue::text = s.ecosystem_revenue::text
   AND f.ecosystem_variable_cost::text = s.ecosystem_variable_cost::text AS equal_to_sum
  FROM wwva_internal.money_figures f
  JOIN (SELECT me_id,
               coalesce(sum(amount) FILTER (WHERE stream = 'hardware' AND kind = 'revenue'), 0) AS hardware_revenue,
               coalesce(sum(amount) FILTER (WHERE stream = 'hardware' AND kind = 'cost'), 0) AS hardware_cost,
               coalesce(sum(amount) FILTER (WHERE stream = 'ecosystem' AND kind = 'revenue'), 0) AS ecosystem_revenue,
               coalesce(sum(amount) FILTER (WHERE stream = 'ecosystem' AND behavior = 'variable'), 0) AS ecosystem_variable_cost
          FROM wwva.ledger GROUP BY me_id) s USING (me_id)
 ORDER BY 1;
RESET ALL;
SET extra_float_digits = 0;

-- ---------------------------------------------------------------------------
-- 2. An event's period: wwva.event_period against the slow way,
--    period_index((occurred_at AT TIME ZONE timezone)::date), every 15
--    minutes and 1 microsecond before, over two years with monthly periods
--    and a gap, in zones with clock changes at midnight (Santiago, Havana,
--    Beirut), a skipped day (Apia, December 2011), half hours (Tehran,
--    Adelaide), a POSIX spec, abbreviations (EST, CET) and UTC.
-- ---------------------------------------------------------------------------
TRUNCATE wwva.ledger;
DELETE FROM wwva.me;
DELETE FROM wwva.period;
INSERT INTO wwva.me (me_id, timezone)
VALUES ('santiago', 'America/Santiago'), ('havana', 'America/Havana'), ('beirut', 'Asia/Beirut'),
       ('apia', 'Pacific/Apia'), ('tehran', 'Asia/Tehran'), ('adelaide', 'Australia/Adelaide'),
       ('est', 'EST'), ('cet', 'CET'), ('utc', 'UTC');
-- wwva.me takes full IANA names only (0.8.0); a POSIX rule, which the
-- calendar still reads, goes in with the table's checks off
SET session_replication_role = replica;
INSERT INTO wwva.me (me_id, timezone) VALUES ('posix', 'XXX-3:30YYY,M3.5.0/0,M10.5.0/0');
RESET session_replication_role;
INSERT INTO wwva.period
SELECT to_char(d, 'YYYY-MM'), d, (d + interval '1 month')::date
  FROM generate_series(DATE '2011-01-01', DATE '2012-12-01', interval '1 month') AS d
 WHERE d <> DATE '2012-02-01';   -- a gap: February 2012 belongs to no period

CREATE TEMP TABLE instants AS
SELECT m.me_id, m.timezone, t
  FROM wwva.me m,
       generate_series(TIMESTAMPTZ '2010-12-25 00:00+00', TIMESTAMPTZ '2013-01-05 00:00+00',
                       interval '15 minutes') AS s(q),
       LATERAL (VALUES (q), (q - interval '1 microsecond')) AS v(t);
-- events far outside the periods take the slow path of the fast function
INSERT INTO instants SELECT me_id, timezone, t FROM wwva.me,
       (VALUES (TIMESTAMPTZ '1901-06-01 12:00+00'), ('2099-06-01 12:00+00'), ('infinity'), ('-infinity')) AS v(t);

SELECT count(*) AS instants,
       count(*) FILTER (WHERE wwva.event_period(i.me_id, i.t, c.calendar)
                              IS NOT DISTINCT FROM
                              CASE WHEN isfinite(i.t) THEN
                                wwva.period_index((i.t AT TIME ZONE i.timezone)::date, b.starts, b.ends) END)
           AS agree,
       count(DISTINCT wwva.event_period(i.me_id, i.t, c.calendar)) AS periods_seen
  FROM instants i,
       (SELECT wwva.current_calendar() AS calendar OFFSET 0) c,   -- built once, not per row
       wwva.period_bounds b;

-- the same through the aggregate: section 1 by ME and period equals a
-- count over the slow assignment
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind)
SELECT me_id, (extract(epoch FROM t) / 900)::bigint % 997, t,
       (ARRAY['interaction', 'transaction', 'customization', 'co_creation'])[1 + (extract(epoch FROM t) / 900)::bigint % 4]
  FROM instants WHERE isfinite(t) AND extract(minute FROM t) < 15;
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE u.interactive_users = s.interactive_users
                          AND u.active_users = s.active_users
                          AND u.user_makers = s.user_makers) AS agree
  FROM wwva_internal.user_figures u
  FULL JOIN (SELECT e.me_id,
                    wwva.period_index((e.occurred_at AT TIME ZONE m.timezone)::date, b.starts, b.ends) AS period_no,
                    count(DISTINCT e.user_id) FILTER (WHERE e.kind = 'interaction') AS interactive_users,
                    count(DISTINCT e.user_id) FILTER (WHERE e.kind = 'transaction') AS active_users,
                    count(*) FILTER (WHERE e.kind = 'customization') AS user_makers
               FROM wwva.user_event e JOIN wwva.me m USING (me_id), wwva.period_bounds b
              GROUP BY 1, 2) s
    ON s.me_id = u.me_id AND s.period_no = u.period_no
 WHERE s.period_no IS NOT NULL OR s.me_id IS NULL;

-- ---------------------------------------------------------------------------
-- 3. Distinct users: a period with 130,000 users fills and flushes its
--    event buffer many times (256 events, then a quarter of the
--    users so far), repeated users among them; a parallel plan merges three
--    sorted partial sets.  The counts equal count(DISTINCT), grouped by ME
--    or not, serial or parallel.
-- ---------------------------------------------------------------------------
TRUNCATE wwva.user_event;
DELETE FROM wwva.me;
DELETE FROM wwva.period;
INSERT INTO wwva.me (me_id, active_min_transactions, lifetime_periods)
VALUES ('big', 1, 2), ('small', 2, 3);
INSERT INTO wwva.period VALUES ('p1', '2024-01-01', '2024-02-01'), ('p2', '2024-02-01', '2024-03-01'),
                               ('p3', '2024-03-01', '2024-04-01');
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind)
SELECT CASE WHEN i % 50 = 0 THEN 'small' ELSE 'big' END,
       (i * 7919) % 200000 - 100000,   -- negative ids too
       TIMESTAMPTZ '2024-01-01 00:00+00' + (i % 90) * interval '1 day' + (i % 86400) * interval '1 second',
       (ARRAY['interaction', 'transaction', 'transaction', 'co_creation', 'customization'])[1 + (i + i / 200000) % 5]
  FROM generate_series(1::bigint, 600000) AS i;
ANALYZE wwva.user_event;

CREATE TEMP TABLE expected_users AS
SELECT e.me_id, wwva.event_period(e.me_id, e.occurred_at, (SELECT wwva.current_calendar())) AS period_no,
       count(DISTINCT e.user_id) FILTER (WHERE e.kind = 'interaction') AS interactive_users,
       count(*) FILTER (WHERE e.kind = 'customization') AS user_makers
  FROM wwva.user_event e GROUP BY 1, 2;
-- active users need N transactions: count them per user first
CREATE TEMP TABLE expected_active AS
SELECT me_id, period_no, count(*) AS active_users
  FROM (SELECT e.me_id, wwva.event_period(e.me_id, e.occurred_at, (SELECT wwva.current_calendar())) AS period_no,
               e.user_id, count(*) AS transactions
          FROM wwva.user_event e WHERE e.kind = 'transaction' GROUP BY 1, 2, 3) t
  JOIN wwva.me USING (me_id)
 WHERE transactions >= active_min_transactions
 GROUP BY 1, 2;

CREATE FUNCTION pg_temp.matches(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    pairs bigint;
    agree bigint;
BEGIN
    EXECUTE format($q$
        SELECT count(*), count(*) FILTER (WHERE r.interactive_users = x.interactive_users
                                            AND r.active_users = coalesce(a.active_users, 0)
                                            AND r.user_makers = x.user_makers)
          FROM (%s) r
          JOIN expected_users x USING (me_id, period_no)
          LEFT JOIN expected_active a USING (me_id, period_no)$q$, query) INTO pairs, agree;
    RETURN format('%s of %s pairs agree', agree, pairs);
END $$;

SET max_parallel_workers_per_gather = 0;
SELECT 'serial, whole table' AS plan, pg_temp.matches('SELECT * FROM wwva_internal.user_figures') AS result
UNION ALL
SELECT 'serial, grouped by ME', pg_temp.matches($$
    SELECT c.* FROM (SELECT wwva.user_resource_counts(me_id, user_id, kind, occurred_at,
                                                      (SELECT wwva.current_calendar())) AS r
                       FROM wwva.user_event GROUP BY me_id) s, unnest(s.r) c$$);
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT 'parallel, whole table' AS plan, pg_temp.matches('SELECT * FROM wwva_internal.user_figures') AS result;
-- the parallel plan really combines partial states
EXPLAIN (COSTS OFF) SELECT * FROM wwva_internal.user_figures;
CREATE TEMP TABLE parallel_counts AS SELECT * FROM wwva_internal.user_figures;
RESET ALL;
CREATE TEMP TABLE serial_counts AS SELECT * FROM wwva_internal.user_figures;
-- lifetime users too, which count() cannot check simply: serial = parallel
SELECT (SELECT count(*) FROM (TABLE serial_counts EXCEPT TABLE parallel_counts) d) AS differ,
       (SELECT sum(lifetime_users) FROM serial_counts) > 0 AS some_lifetime_users;
-- and lifetime users against plain SQL where K = 2 (ME big): active in the
-- period and the one before, with a co-creation in one of the two
WITH per_user AS (
    SELECT e.me_id, wwva.event_period(e.me_id, e.occurred_at, (SELECT wwva.current_calendar())) AS period_no,
           e.user_id, count(*) FILTER (WHERE e.kind = 'transaction') AS transactions,
           bool_or(e.kind = 'co_creation') AS co_created
      FROM wwva.user_event e WHERE e.me_id = 'big' GROUP BY 1, 2, 3)
SELECT s.period_no, s.lifetime_users, count(c.user_id) AS plain_sql
  FROM serial_counts s
  LEFT JOIN per_user c ON c.me_id = s.me_id AND c.period_no = s.period_no AND c.transactions >= 1
                      AND EXISTS (SELECT FROM per_user p
                                   WHERE p.me_id = c.me_id AND p.user_id = c.user_id
                                     AND p.period_no = c.period_no - 1 AND p.transactions >= 1
                                     AND (p.co_created OR c.co_created))
 WHERE s.me_id = 'big'
 GROUP BY 1, 2 ORDER BY 1;
SELECT * FROM serial_counts ORDER BY me_id, period_no;

-- ---------------------------------------------------------------------------
-- 4. What a calendar refuses
-- ---------------------------------------------------------------------------
\set VERBOSITY default
SELECT wwva.make_calendar('{a,b}', '{UTC}', '{1,1}', '{2,2}', '{}', '{}');
SELECT wwva.make_calendar('{a,a}', '{UTC,UTC}', '{1,1}', '{2,2}', '{}', '{}');
SELECT wwva.make_calendar('{a}', '{UTC}', '{0}', '{2}', '{}', '{}');
SELECT wwva.make_calendar('{a}', '{Mars/Olympus}', '{1}', '{2}', '{}', '{}');
SELECT wwva.make_calendar('{a}', '{UTC}', '{1}', '{2}', '{2024-01-01,2024-01-15}', '{2024-02-01,2024-03-01}');
SELECT wwva.make_calendar('{a,NULL}', '{UTC,UTC}', '{1,1}', '{2,2}', '{}', '{}');
SELECT wwva.make_calendar('{a}', '{UTC}', '{1}', '{2}', NULL, '{}');
SELECT wwva.make_calendar('{{a}}', '{UTC}', '{1}', '{2}', '{}', '{}');
-- a value not built by make_calendar: random bytes, a changed byte, a cut
SELECT wwva.event_period('a', now(), '\x00'::wwva.calendar);
SELECT wwva.event_period('a', now(), '\x5756433200000000000000000000000000000000'::wwva.calendar);
SELECT wwva.event_period('a', now(),
       overlay(wwva.make_calendar('{a}', '{UTC}', '{1}', '{2}', '{}', '{}') placing '\x7a' from 30)::wwva.calendar);
SELECT wwva.event_period('a', now(),
       substr(wwva.make_calendar('{a}', '{UTC}', '{1}', '{2}', '{}', '{}'), 1, 20)::wwva.calendar);
-- an ME the calendar does not know
SELECT wwva.event_period('zz', now(), wwva.make_calendar('{a}', '{UTC}', '{1}', '{2}', '{}', '{}'));
-- a calendar that changes from row to row
SELECT wwva.user_resource_counts('a', 1, 'interaction', now(),
                                 wwva.make_calendar('{a}', '{UTC}', ARRAY[n], '{2}', '{}', '{}'))
  FROM generate_series(1, 2) n;
-- NULL calendar, NULL ME, unknown kind
SELECT wwva.user_resource_counts('a', 1, 'interaction', now(), NULL);
SELECT wwva.user_resource_counts(NULL, 1, 'interaction', now(),
                                 wwva.make_calendar('{a}', '{UTC}', '{1}', '{2}', '{2024-01-01}', '{2025-01-01}'));
SELECT wwva.user_resource_counts('a', 1, 'purchase', '2024-05-05',
                                 wwva.make_calendar('{a}', '{UTC}', '{1}', '{2}', '{2024-01-01}', '{2025-01-01}'));
SELECT wwva.ledger_totals('a', '2024-05-05', 'hardware', 'revenue', NULL, 'NaN',
                          wwva.make_calendar('{a}', '{UTC}', '{1}', '{2}', '{2024-01-01}', '{2025-01-01}'));
-- and what it accepts: no MEs, no periods
SELECT wwva.user_resource_counts('a', 1, 'interaction', now(), c) AS counts,
       wwva.event_period('a', now(), c) AS period
  FROM (SELECT wwva.make_calendar('{a}', '{UTC}', '{1}', '{2}', '{}', '{}') AS c) s
 GROUP BY c;
SELECT wwva.user_resource_counts(me_id, user_id, kind, occurred_at, wwva.make_calendar('{}', '{}', '{}', '{}', '{}', '{}'))
  FROM wwva.user_event WHERE false;

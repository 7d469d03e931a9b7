-- Period assignment: postings by booked_on, events by their date in the
-- ME's time zone, periods half-open [starts_on, ends_on).  Rows outside
-- every period are listed in wwva.unassigned, never dropped silently.
DROP EXTENSION wwva CASCADE;
CREATE EXTENSION wwva;   -- each test starts from empty ledgers
SET datestyle = ISO;
SET timezone = 'UTC';

INSERT INTO wwva.me (me_id, timezone) VALUES
    ('shanghai', 'Asia/Shanghai'),   -- UTC+8
    ('chicago', 'America/Chicago'),  -- UTC-6 in winter
    ('utc', 'UTC');
INSERT INTO wwva.period VALUES
    ('2016', '2016-01-01', '2017-01-01'),
    ('2017', '2017-01-01', '2018-01-01');

-- The same instant, 2016-12-31 16:30 UTC, is 2017-01-01 00:30 in Shanghai,
-- 2016-12-31 10:30 in Chicago and 2016-12-31 16:30 in UTC.
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind)
SELECT me_id, 1, '2016-12-31 16:30:00+00', 'transaction'
  FROM wwva.me;
-- 2017-12-31 18:00 UTC: 2018-01-01 in Shanghai (no period), still 2017 elsewhere.
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind)
SELECT me_id, 2, '2017-12-31 18:00:00+00', 'transaction'
  FROM wwva.me;
-- Midnight exactly: 2017-01-01 00:00 local belongs to 2017, not 2016.
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind) VALUES
    ('shanghai', 3, '2017-01-01 00:00:00+08', 'transaction'),
    ('shanghai', 4, '2016-12-31 23:59:59.999999+08', 'transaction');

SELECT me_id, period_id, active_users
  FROM wwva.user_resources
 ORDER BY me_id, period_id;

-- Postings: booked_on decides; ends_on is exclusive.
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount) VALUES
    ('utc', '2016-12-31', 'hardware', 'revenue', 1.00),
    ('utc', '2017-01-01', 'hardware', 'revenue', 10.00),
    ('utc', '2017-12-31', 'hardware', 'revenue', 100.00),
    ('utc', '2018-01-01', 'hardware', 'revenue', 1000.00),
    ('utc', '2015-12-31', 'ecosystem', 'revenue', 5.00);

SELECT me_id, period_id, hardware_revenue, ecosystem_revenue, total_revenue
  FROM wwva.revenues
 WHERE me_id = 'utc'
 ORDER BY period_id;

-- Nothing is lost: what no period holds is listed.
SELECT source, me_id, local_date, kind, user_id, amount
  FROM wwva.unassigned
 ORDER BY source, me_id, local_date;

-- Adding a period picks those rows up.
INSERT INTO wwva.period VALUES ('2018Q1', '2018-01-01', '2018-04-01');
SELECT count(*) AS still_unassigned FROM wwva.unassigned;
SELECT period_id, period_no FROM wwva.period_calendar ORDER BY period_no;
SELECT me_id, period_id, active_users FROM wwva.user_resources
 WHERE period_id = '2018Q1' ORDER BY me_id;

-- Changing an ME's time zone moves its events between periods.
UPDATE wwva.me SET timezone = 'UTC' WHERE me_id = 'shanghai';
SELECT period_id, active_users FROM wwva.user_resources
 WHERE me_id = 'shanghai' ORDER BY period_id;

-- wwva.period_index directly: the 1-based position of the holding period.
SELECT d, wwva.period_index(d, ARRAY['2016-01-01', '2017-01-01']::date[],
                               ARRAY['2017-01-01', '2018-01-01']::date[]) AS period_no
  FROM unnest(ARRAY['2015-12-31', '2016-01-01', '2016-12-31', '2017-01-01',
                    '2017-12-31', '2018-01-01']::date[]) AS d;
-- gaps between periods hold nothing
SELECT wwva.period_index('2016-06-15', ARRAY['2016-01-01', '2016-07-01']::date[],
                                       ARRAY['2016-06-01', '2016-08-01']::date[]) AS in_gap;
-- malformed calendars are refused
\set SHOW_CONTEXT never
SELECT wwva.period_index('2016-06-15', ARRAY['2016-01-01']::date[], ARRAY[]::date[]);
SELECT wwva.period_index('2016-06-15', ARRAY['2017-01-01', '2016-01-01']::date[],
                                       ARRAY['2018-01-01', '2017-01-01']::date[]);
SELECT wwva.period_index('2016-06-15', ARRAY['2016-01-01', NULL]::date[],
                                       ARRAY['2017-01-01', '2018-01-01']::date[]);
SELECT wwva.period_index('2016-06-15', ARRAY['2016-01-01']::date[], ARRAY['2016-01-01']::date[]);
SELECT wwva.period_index('2016-06-15', ARRAY[['2016-01-01']]::date[], ARRAY[['2017-01-01']]::date[]);
-- an empty calendar holds nothing
SELECT wwva.period_index('2016-06-15', ARRAY[]::date[], ARRAY[]::date[]) AS no_periods;

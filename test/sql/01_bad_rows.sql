-- Bad rows are refused with a message that names the row and a hint that
-- says how to fix it.  Nothing half-written stays behind.
\set SHOW_CONTEXT never
SET datestyle = ISO;
SET timezone = 'UTC';

INSERT INTO wwva.me (me_id, name, timezone) VALUES ('xinchu', 'Xinchu', 'Asia/Shanghai');
INSERT INTO wwva.period VALUES ('2016', '2016-01-01', '2017-01-01');

-- ---------------------------------------------------------------- wwva.me
-- unknown time zone
INSERT INTO wwva.me (me_id, timezone) VALUES ('bad_tz', 'Mars/Olympus_Mons');
\echo :LAST_ERROR_SQLSTATE
UPDATE wwva.me SET timezone = 'Asia/Shangai' WHERE me_id = 'xinchu';
\echo :LAST_ERROR_SQLSTATE
-- unknown kind
INSERT INTO wwva.me (me_id, kind) VALUES ('bad_kind', 'supplier');
\echo :LAST_ERROR_SQLSTATE
-- N and K out of range
INSERT INTO wwva.me (me_id, active_min_transactions) VALUES ('bad_n', 0);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO wwva.me (me_id, lifetime_periods) VALUES ('bad_k', 0);
\echo :LAST_ERROR_SQLSTATE

-- ------------------------------------------------------------- wwva.period
-- overlapping periods, named both ways
INSERT INTO wwva.period VALUES ('2016H2', '2016-07-01', '2017-01-01');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO wwva.period VALUES ('2015-2016', '2015-06-01', '2016-01-02');
\echo :LAST_ERROR_SQLSTATE
-- touching periods are fine: half-open
INSERT INTO wwva.period VALUES ('2017', '2017-01-01', '2018-01-01');
-- empty and unbounded periods
INSERT INTO wwva.period VALUES ('empty', '2019-01-01', '2019-01-01');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO wwva.period VALUES ('forever', '2020-01-01', 'infinity');
\echo :LAST_ERROR_SQLSTATE
-- moving a period onto another is refused too
UPDATE wwva.period SET starts_on = '2016-06-01' WHERE period_id = '2017';
\echo :LAST_ERROR_SQLSTATE

-- ------------------------------------------------------------- wwva.ledger
-- unknown stream
INSERT INTO wwva.ledger (entry_id, me_id, booked_on, stream, kind, amount)
VALUES (101, 'xinchu', '2016-03-01', 'hardwre', 'revenue', 100);
\echo :LAST_ERROR_SQLSTATE
-- unknown kind
INSERT INTO wwva.ledger (entry_id, me_id, booked_on, stream, kind, amount)
VALUES (102, 'xinchu', '2016-03-01', 'hardware', 'income', 100);
\echo :LAST_ERROR_SQLSTATE
-- cost without behavior
INSERT INTO wwva.ledger (entry_id, me_id, booked_on, stream, kind, amount)
VALUES (103, 'xinchu', '2016-03-01', 'hardware', 'cost', 100);
\echo :LAST_ERROR_SQLSTATE
-- revenue with behavior
INSERT INTO wwva.ledger (entry_id, me_id, booked_on, stream, kind, behavior, amount)
VALUES (104, 'xinchu', '2016-03-01', 'hardware', 'revenue', 'variable', 100);
\echo :LAST_ERROR_SQLSTATE
-- unknown behavior
INSERT INTO wwva.ledger (entry_id, me_id, booked_on, stream, kind, behavior, amount)
VALUES (105, 'xinchu', '2016-03-01', 'hardware', 'cost', 'semi', 100);
\echo :LAST_ERROR_SQLSTATE
-- NaN and infinite amounts
INSERT INTO wwva.ledger (entry_id, me_id, booked_on, stream, kind, amount)
VALUES (106, 'xinchu', '2016-03-01', 'hardware', 'revenue', 'NaN');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO wwva.ledger (entry_id, me_id, booked_on, stream, kind, amount)
VALUES (107, 'xinchu', '2016-03-01', 'ecosystem', 'revenue', 'Infinity');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO wwva.ledger (entry_id, me_id, booked_on, stream, kind, behavior, amount)
VALUES (108, 'xinchu', '2016-03-01', 'ecosystem', 'cost', 'fixed', '-Infinity');
\echo :LAST_ERROR_SQLSTATE
-- NULL amount and infinite date
INSERT INTO wwva.ledger (entry_id, me_id, booked_on, stream, kind, amount)
VALUES (109, 'xinchu', '2016-03-01', 'hardware', 'revenue', NULL);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO wwva.ledger (entry_id, me_id, booked_on, stream, kind, amount)
VALUES (110, 'xinchu', 'infinity', 'hardware', 'revenue', 1);
\echo :LAST_ERROR_SQLSTATE
-- unknown ME
INSERT INTO wwva.ledger (entry_id, me_id, booked_on, stream, kind, amount)
VALUES (111, 'xinchoo', '2016-03-01', 'hardware', 'revenue', 100);
\echo :LAST_ERROR_SQLSTATE
-- one bad row in a batch refuses the whole statement: nothing is lost or half-loaded
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, behavior, amount) VALUES
    ('xinchu', '2016-03-01', 'hardware', 'revenue', NULL, 100),
    ('xinchu', '2016-03-02', 'hardware', 'cost', NULL, 40);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS ledger_rows FROM wwva.ledger;
-- an update that breaks a row is refused the same way
INSERT INTO wwva.ledger (entry_id, me_id, booked_on, stream, kind, behavior, amount)
VALUES (112, 'xinchu', '2016-03-01', 'hardware', 'cost', 'variable', 40);
UPDATE wwva.ledger SET behavior = NULL WHERE entry_id = 112;
\echo :LAST_ERROR_SQLSTATE

-- --------------------------------------------------------- wwva.user_event
INSERT INTO wwva.user_event (event_id, me_id, user_id, occurred_at, kind)
VALUES (201, 'xinchu', 7, '2016-05-01 10:00+08', 'purchase');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO wwva.user_event (event_id, me_id, user_id, occurred_at, kind)
VALUES (202, 'nobody', 7, '2016-05-01 10:00+08', 'transaction');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO wwva.user_event (event_id, me_id, user_id, occurred_at, kind)
VALUES (203, 'xinchu', NULL, '2016-05-01 10:00+08', 'transaction');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO wwva.user_event (event_id, me_id, user_id, occurred_at, kind)
VALUES (204, 'xinchu', 7, '-infinity', 'transaction');
\echo :LAST_ERROR_SQLSTATE

-- -------------------------------------------------- targets and sharing rules
INSERT INTO wwva.target VALUES ('xinchu', '2016', 'active_user', 100000);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO wwva.target VALUES ('xinchu', '2099', 'active_users', 100000);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO wwva.target VALUES ('xinchu', '2016', 'active_users', 'NaN');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO wwva.sharing_rule VALUES ('xinchu', 'suppliers', 'total_profit', 0.1, NULL, NULL);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO wwva.sharing_rule VALUES ('xinchu', 'users', 'revenue', 0.1, NULL, NULL);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO wwva.sharing_rule VALUES ('xinchu', 'users', 'total_profit', -0.1, NULL, NULL);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO wwva.sharing_rule VALUES ('xinchu', 'users', 'total_profit', 0.1, 500, 100);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO wwva.sharing_rule VALUES ('ghost', 'users', 'total_profit', 0.1, NULL, NULL);
\echo :LAST_ERROR_SQLSTATE

-- ------------------------------------------- MEs with rows cannot vanish
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind)
VALUES ('xinchu', 7, '2016-05-01 10:00+08', 'transaction');
DELETE FROM wwva.me WHERE me_id = 'xinchu';
\echo :LAST_ERROR_SQLSTATE
UPDATE wwva.me SET me_id = 'xinchu2' WHERE me_id = 'xinchu';
\echo :LAST_ERROR_SQLSTATE

-- What survived: only the good rows.
SELECT entry_id, me_id, stream, kind, behavior, amount FROM wwva.ledger ORDER BY entry_id;
SELECT me_id, user_id, kind FROM wwva.user_event ORDER BY event_id;
SELECT me_id, timezone FROM wwva.me ORDER BY me_id;
SELECT period_id, starts_on, ends_on FROM wwva.period ORDER BY starts_on;

-- Closed periods: what a close publishes, what it refuses (with the
-- SQLSTATE, message and hint), what stays open, corrections by reversal,
-- and reopening with a reason.
BEGIN;
SET client_min_messages = warning;
\ir ../data/two_mes.sql
INSERT INTO wwva.period VALUES ('2024-03', '2024-03-01', '2024-04-01');
INSERT INTO wwva.emc_contract (emc_id, period_id, leading_target, pool_floor) VALUES ('ab', '2024-03', 0, 10);
SELECT plan(99);

-- The lines of wwva.statement of an ME-period that its latest published
-- version does not have, and the other way round (period_no is a position
-- that periods of other calendars may shift, not a figure).
CREATE FUNCTION pg_temp.unpublished(me text, period text) RETURNS bigint LANGUAGE sql AS $$
WITH live AS (
    SELECT me_id, period_id, line, item, unit, actual, target, variance, achievement, line_no,
           starts_on, ends_on, calendar
      FROM wwva.statement WHERE me_id = me AND period_id = period
), published AS (
    SELECT me_id, period_id, line, item, unit, actual, target, variance, achievement, line_no,
           starts_on, ends_on, calendar
      FROM wwva.published_statement p
     WHERE p.me_id = me AND p.period_id = period
       AND p.version = (SELECT max(version) FROM wwva.published_statement q
                         WHERE q.me_id = me AND q.period_id = period)
)
SELECT (SELECT count(*) FROM (SELECT * FROM live EXCEPT ALL SELECT * FROM published) x)
     + (SELECT count(*) FROM (SELECT * FROM published EXCEPT ALL SELECT * FROM live) y)
$$;
-- The same for the shares of an EMC period.
CREATE FUNCTION pg_temp.unpublished_shares(emc text, period text) RETURNS bigint LANGUAGE sql AS $$
WITH live AS (
    SELECT emc_id, period_id, member_label, kind, share FROM wwva.emc_shares
     WHERE emc_id = emc AND period_id = period
), published AS (
    SELECT emc_id, period_id, member_label, kind, share FROM wwva.published_emc_shares p
     WHERE p.emc_id = emc AND p.period_id = period
       AND p.version = (SELECT max(version) FROM wwva.published_emc_shares q
                         WHERE q.emc_id = emc AND q.period_id = period)
)
SELECT (SELECT count(*) FROM (SELECT * FROM live EXCEPT ALL SELECT * FROM published) x)
     + (SELECT count(*) FROM (SELECT * FROM published EXCEPT ALL SELECT * FROM live) y)
$$;

-- 1. Closing publishes the statement as version 1 and logs who closed it.
SELECT is(wwva.close_period('2024-01', 'a', 'January books closed'), 1, 'close_period closes January for ME a');
SELECT is((SELECT count(*) FROM wwva.published_statement WHERE me_id = 'a' AND period_id = '2024-01' AND version = 1),
          (SELECT count(*) FROM wwva.statement_line), 'every line of the statement is published as version 1');
SELECT is(pg_temp.unpublished('a', '2024-01'), 0::bigint, 'the published version equals the statement');
SELECT results_eq($$SELECT me_id, period_id, action, version, current_user_name::text, session_user_name::text, note
                      FROM wwva.period_close_log$$,
                  $$VALUES ('a', '2024-01', 'close', 1, current_user::text, session_user::text, 'January books closed')$$,
                  'the log has the close, with the user and the note');
SELECT results_eq($$SELECT me_id, period_id, version, closed_by::text FROM wwva.closed_period$$,
                  $$VALUES ('a', '2024-01', 1, current_user::text)$$, 'wwva.closed_period has the pair');
SELECT is((SELECT count(*) FROM wwva.published_emc_shares), 0::bigint,
          'EMC ab is not closed for January while ME b has January open');

-- 2. What the close refuses, each with SQLSTATE 55000 and a hint.
SELECT throws_ok($$INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount) VALUES ('a', '2024-01-20', 'hardware', 'revenue', 5)$$,
                 '55000', NULL, 'a posting booked in the closed period is refused');
SELECT throws_like($$INSERT INTO wwva.ledger (entry_id, me_id, booked_on, stream, kind, amount) VALUES (90001, 'a', '2024-01-20', 'hardware', 'revenue', 5)$$,
                   'wwva.ledger entry 90001 (ME "a", booked on 2024-01-20) cannot be inserted: period "2024-01" of ME "a" is closed (closed by % at %)',
                   'the message names the row, the period and who closed it');
SELECT throws_ok(format('UPDATE wwva.ledger SET amount = amount + 1 WHERE entry_id = %s',
                        (SELECT min(entry_id) FROM wwva.ledger WHERE me_id = 'a' AND booked_on BETWEEN '2024-01-01' AND '2024-01-31')),
                 '55000', NULL, 'changing a posting of the closed period is refused');
SELECT throws_ok(format('UPDATE wwva.ledger SET booked_on = DATE ''2024-02-10'' WHERE entry_id = %s',
                        (SELECT min(entry_id) FROM wwva.ledger WHERE me_id = 'a' AND booked_on BETWEEN '2024-01-01' AND '2024-01-31')),
                 '55000', NULL, 'moving a posting out of the closed period is refused');
SELECT throws_ok(format('UPDATE wwva.ledger SET booked_on = DATE ''2024-01-10'' WHERE entry_id = %s',
                        (SELECT min(entry_id) FROM wwva.ledger WHERE me_id = 'a' AND booked_on BETWEEN '2024-02-01' AND '2024-02-28')),
                 '55000', NULL, 'moving a posting into the closed period is refused');
SELECT throws_ok($$DELETE FROM wwva.ledger WHERE me_id = 'a' AND booked_on = '2024-01-15'$$,
                 '55000', NULL, 'deleting a posting of the closed period is refused');
SELECT throws_ok($$COPY wwva.ledger (me_id, booked_on, stream, kind, amount) FROM PROGRAM 'printf "a\t2024-02-03\thardware\trevenue\t1\na\t2024-01-03\thardware\trevenue\t1\n"'$$,
                 '55000', NULL, 'a COPY with one row in the closed period is refused');
SELECT is((SELECT count(*) FROM wwva.ledger WHERE booked_on = '2024-02-03' AND amount = 1), 0::bigint,
          'and writes none of its rows');
SELECT throws_like($$INSERT INTO wwva.user_event (event_id, me_id, user_id, occurred_at, kind) VALUES (90001, 'a', 1, '2024-01-31 15:00+00', 'interaction')$$,
                   'wwva.user_event 90001 (ME "a", user 1, at %) cannot be inserted: its period "2024-01" of ME "a" is closed%',
                   'an event on a day of the closed period in the ME''s time zone is refused (15:00 UTC on 31 January is 23:00 in Shanghai)');
SELECT lives_ok($$INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind) VALUES ('a', 1, '2024-01-31 16:00+00', 'interaction')$$,
                '16:00 UTC on 31 January is midnight on 1 February in Shanghai, an open period: accepted');
SELECT throws_ok($$DELETE FROM wwva.user_event WHERE me_id = 'a' AND occurred_at < '2024-01-20'$$,
                 '55000', NULL, 'deleting events of the closed period is refused');
SELECT throws_like($$INSERT INTO wwva.target VALUES ('a', '2024-01', 'active_users', 10)$$,
                   'target active_users of ME "a" for period "2024-01" cannot be inserted: period "2024-01" of ME "a" is closed%',
                   'a target of the closed ME-period is refused');
SELECT throws_like($$UPDATE wwva.sharing_rule SET rate = 0.2 WHERE me_id = 'a'$$,
                   'sharing rule "team" of ME "a" cannot be changed: period "2024-01" of ME "a" is closed%',
                   'a sharing rule of an ME with a closed period is refused (it applies to every period)');
SELECT throws_ok($$UPDATE wwva.me SET timezone = 'UTC' WHERE me_id = 'a'$$,
                 '55000', NULL, 'the time zone of an ME with a closed period is refused');
SELECT throws_ok($$UPDATE wwva.me SET lifetime_periods = 3 WHERE me_id = 'a'$$,
                 '55000', NULL, 'so is its K');
SELECT lives_ok($$UPDATE wwva.me SET name = 'Kitchen' WHERE me_id = 'a'$$, 'its name may change');
SELECT throws_like($$UPDATE wwva.period SET ends_on = '2024-02-02' WHERE period_id = '2024-01'$$,
                   'period "2024-01" cannot be changed: period "2024-01" of ME "a" is closed%',
                   'the dates of a closed period are refused');
SELECT throws_like($$INSERT INTO wwva.period VALUES ('2023-12', '2023-12-01', '2024-01-01')$$,
                   'period "2023-12" cannot be inserted: period "2024-01" of ME "a" is closed%, and its lifetime users look back on the periods before it in calendar "default"',
                   'a period before a closed one in its calendar is refused');
SELECT lives_ok($$INSERT INTO wwva.period (period_id, starts_on, ends_on, calendar) VALUES ('2024-Q1', '2024-01-01', '2024-04-01', 'quarter')$$,
                'a period of another calendar is accepted');
SELECT throws_ok($$TRUNCATE wwva.ledger$$, '55000', NULL, 'TRUNCATE of a ledger with closed periods is refused');
SELECT throws_ok($$TRUNCATE wwva.target$$, '55000', NULL, 'so is TRUNCATE of the targets');

-- 3. What stays open: other MEs, other periods.
SELECT lives_ok($$INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount) VALUES ('b', '2024-01-20', 'hardware', 'revenue', 7)$$,
                'ME b''s January is open');
SELECT lives_ok($$INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount) VALUES ('a', '2024-02-20', 'hardware', 'revenue', 7)$$,
                'ME a''s February is open');
SELECT lives_ok($$UPDATE wwva.target SET value = 1500 WHERE me_id = 'b' AND period_id = '2024-01'$$,
                'targets of open ME-periods change');
SELECT lives_ok($$UPDATE wwva.emc_contract SET pool_floor = 12 WHERE emc_id = 'ab' AND period_id = '2024-01'$$,
                'EMC ab''s January is open while ME b''s is');
SELECT lives_ok($$COPY wwva.ledger (me_id, booked_on, stream, kind, amount) FROM PROGRAM 'printf "a\t2024-02-03\thardware\trevenue\t1\nb\t2024-01-03\thardware\trevenue\t1\n"'$$,
                'a COPY into open periods is accepted');
SELECT lives_ok($$DELETE FROM wwva.user_event WHERE me_id = 'b' AND occurred_at < '2024-01-05'$$,
                'deleting events of an open period is accepted');
SELECT lives_ok($$UPDATE wwva.sharing_rule SET rate = 0.4 WHERE me_id = 'b'$$,
                'the sharing rules of an ME without closed periods change');
SELECT lives_ok($$UPDATE wwva.me SET active_min_transactions = 1 WHERE me_id = 'b'$$,
                'and so do its settings');
SELECT lives_ok($$INSERT INTO wwva.emc_tier (emc_id, period_id, threshold, rate) VALUES ('ab', '2024-02', 500, 0.4)$$,
                'a tier of an open EMC period is accepted');
SELECT lives_ok($$UPDATE wwva.emc_member SET weight = 2 WHERE emc_id = 'ab' AND member_id = 'b'$$,
                'and so is a member of an EMC without a closed period');
SELECT is(pg_temp.unpublished('a', '2024-01'), 0::bigint, 'after all that, the closed statement still equals its publication');

-- 4. Lifetime users look back: closing February freezes January's events of the ME.
SELECT is(wwva.close_period('2024-02', 'b'), 1, 'close February for ME b');
SELECT throws_like($$INSERT INTO wwva.user_event (event_id, me_id, user_id, occurred_at, kind) VALUES (90002, 'b', 3, '2024-01-15 12:00-06', 'transaction')$$,
                   'wwva.user_event 90002 (ME "b", user 3, at %) cannot be inserted: it counts in the lifetime users of period "2024-02" of ME "b" is closed%',
                   'an event in January counts in February''s lifetime users (K = 2): refused');
SELECT lives_ok($$INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount) VALUES ('b', '2024-01-21', 'hardware', 'revenue', 8)$$,
                'a posting in ME b''s January is still accepted: postings do not look back');

-- 5. An EMC period closes with its last member ME, and publishes its shares.
SELECT is(wwva.close_period('2024-01', 'b', 'b too'), 1, 'close January for ME b');
SELECT ok((SELECT count(*) FROM wwva.published_emc_shares WHERE emc_id = 'ab' AND period_id = '2024-01' AND version = 1) = 4,
          'EMC ab''s January shares are published (three members and the retained row)');
SELECT is(pg_temp.unpublished_shares('ab', '2024-01'), 0::bigint, 'the published shares equal wwva.emc_shares');
SELECT ok((SELECT bool_and(pool IS NOT NULL AND value_added IS NOT NULL) FROM wwva.published_emc_shares), 'with the pool they split');
SELECT throws_like($$UPDATE wwva.emc_contract SET pool_floor = 20 WHERE emc_id = 'ab' AND period_id = '2024-01'$$,
                   'the contract of EMC "ab" cannot be changed: its period "2024-01" is closed (every member ME has closed it)',
                   'the contract of a closed EMC period is refused');
SELECT throws_ok($$INSERT INTO wwva.emc_tier (emc_id, period_id, threshold, rate) VALUES ('ab', '2024-01', 500, 0.4)$$,
                 '55000', NULL, 'so is a tier');
SELECT throws_like($$UPDATE wwva.emc_member SET weight = 3 WHERE emc_id = 'ab' AND member_id = 'b'$$,
                   'member "b" of EMC "ab" cannot be changed: its period "2024-01" is closed%',
                   'and a member (members hold for every period)');
SELECT lives_ok($$UPDATE wwva.emc_contract SET pool_floor = 11 WHERE emc_id = 'ab' AND period_id = '2024-03'$$,
                'the contract of an open EMC period changes');

-- 5b. Each refusal's hint says what to do instead.
CREATE FUNCTION pg_temp.refusal(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    code text;
    hint text;
BEGIN
    EXECUTE statement;
    RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, hint = PG_EXCEPTION_HINT;
    RETURN code || ': ' || hint;
END $$;
SELECT is(pg_temp.refusal($$INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount) VALUES ('a', '2024-01-20', 'hardware', 'revenue', 5)$$),
          '55000: Post a correcting entry in an open period (wwva.reverse_entry(entry_id, booked_on, reason) negates a posting), or reopen the period with a reason (wwva.reopen_period).',
          'the hint of a refused posting');
SELECT is(pg_temp.refusal($$UPDATE wwva.user_event SET kind = 'interaction' WHERE me_id = 'a' AND occurred_at < '2024-01-20'$$),
          '55000: Post a correcting entry in an open period (wwva.reverse_entry(entry_id, booked_on, reason) negates a posting), or reopen the period with a reason (wwva.reopen_period).',
          'the hint of a refused event');
SELECT is(pg_temp.refusal($$DELETE FROM wwva.target WHERE me_id = 'b' AND period_id = '2024-01'$$),
          '55000: The targets of a closed period are part of its published statement: reopen the period with a reason (wwva.reopen_period) to change them.',
          'the hint of a refused target');
SELECT is(pg_temp.refusal($$DELETE FROM wwva.sharing_rule WHERE me_id = 'b'$$),
          '55000: A sharing rule applies to every period of its ME, closed ones too: reopen the ME''s closed periods with a reason (wwva.reopen_period) to change it.',
          'the hint of a refused sharing rule');
SELECT is(pg_temp.refusal($$UPDATE wwva.me SET currency = 'USD' WHERE me_id = 'b'$$),
          '55000: Its id, time zone, N, K and currency are part of the statements of its closed periods: reopen them with a reason (wwva.reopen_period) to change them.',
          'the hint of a refused ME setting');
SELECT is(pg_temp.refusal($$DELETE FROM wwva.period WHERE period_id = '2024-01'$$),
          '55000: A closed period''s dates, and the periods before it in its calendar, are part of its published statement: reopen it with a reason (wwva.reopen_period) first.',
          'the hint of a refused period');
SELECT is(pg_temp.refusal($$DELETE FROM wwva.emc_tier WHERE emc_id = 'ab' AND period_id = '2024-01'$$),
          '55000: The contract, tiers and members of a closed EMC period are part of its published shares: reopen the period of a member ME with a reason (wwva.reopen_period) first.',
          'the hint of a refused EMC tier');
SELECT is(pg_temp.refusal($$TRUNCATE wwva.user_event$$),
          '55000: TRUNCATE would empty closed periods: delete the rows of open periods instead, or reopen the closed ones with a reason (wwva.reopen_period).',
          'the hint of a refused TRUNCATE');
SELECT is(pg_temp.unpublished('b', '2024-01'), 0::bigint, 'ME b''s closed January is unchanged');

-- 6. Corrections by reversal.
CREATE TEMP TABLE original AS
SELECT * FROM wwva.ledger WHERE me_id = 'a' AND booked_on BETWEEN '2024-01-01' AND '2024-01-31' AND kind = 'revenue'
 ORDER BY entry_id LIMIT 1;
CREATE TEMP TABLE march_before AS
SELECT item, actual FROM wwva.statement WHERE me_id = 'a' AND period_id = '2024-03';
SELECT isnt((SELECT wwva.reverse_entry((SELECT entry_id FROM original), '2024-03-05', 'booked twice')), NULL,
            'reverse_entry posts the reversal into March');
SELECT results_eq($$SELECT me_id, booked_on, amount, reverses_entry_id, memo FROM wwva.ledger WHERE reverses_entry_id IS NOT NULL$$,
                  $$SELECT me_id, DATE '2024-03-05', -amount, entry_id, 'booked twice'::text FROM original$$,
                  'the reversal is the exact negation, linked to the original, with the reason');
SELECT is((SELECT s.actual - b.actual FROM wwva.statement s JOIN march_before b USING (item)
            WHERE s.me_id = 'a' AND s.period_id = '2024-03' AND s.item = (SELECT stream || '_revenue' FROM original)),
          -(SELECT amount FROM original), 'March''s statement shows the negation');
SELECT is(pg_temp.unpublished('a', '2024-01'), 0::bigint, 'January''s closed statement is unchanged');
SELECT throws_like(format('SELECT wwva.reverse_entry(%s, ''2024-03-06'', ''again'')', (SELECT entry_id FROM original)),
                   'wwva.reverse_entry: entry % is already reversed', 'a posting is reversed once');
SELECT throws_like(format('SELECT wwva.reverse_entry(%s, ''2024-03-06'', ''undo'')',
                          (SELECT entry_id FROM wwva.ledger WHERE reverses_entry_id IS NOT NULL)),
                   '%cannot reverse entry %: that entry is itself the reversal of entry %', 'a reversal is not reversed');
SELECT throws_ok(format('SELECT wwva.reverse_entry(%s, ''2024-01-30'', ''into January'')',
                        (SELECT max(entry_id) FROM wwva.ledger WHERE me_id = 'a' AND booked_on >= '2024-02-01' AND reverses_entry_id IS NULL)),
                 '55000', NULL, 'a reversal into a closed period is refused like any posting');
SELECT throws_ok(format('SELECT wwva.reverse_entry(%s, ''2024-03-06'', NULL)',
                        (SELECT max(entry_id) FROM wwva.ledger WHERE me_id = 'a' AND reverses_entry_id IS NULL)),
                 '22023', NULL, 'a reversal needs a reason');
SELECT throws_ok($$INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount, reverses_entry_id)
                   SELECT 'a', '2024-03-07', stream, kind, amount, entry_id FROM wwva.ledger WHERE me_id = 'a' AND booked_on = '2024-02-20' AND amount = 7$$,
                 '23514', NULL, 'a "reversal" that is no exact negation is refused');

-- 7. Reopening takes a reason; a second close publishes version 2.
SELECT throws_ok($$SELECT wwva.reopen_period('2024-01', 'a')$$, '22023',
                 'wwva.reopen_period: reopening period "2024-01" needs a reason', 'reopening without a reason is refused');
SELECT throws_ok($$SELECT wwva.reopen_period('2024-01', 'a', reason => '   ')$$, '22023', NULL, 'so is a blank reason');
SELECT is(wwva.reopen_period('2024-01', 'a', reason => 'late supplier invoice'), 1, 'reopen January for ME a with a reason');
SELECT is((SELECT count(*) FROM wwva.published_emc_shares WHERE emc_id = 'ab' AND period_id = '2024-01'), 4::bigint,
          'the published EMC shares stay');
SELECT lives_ok($$INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, behavior, amount) VALUES ('a', '2024-01-25', 'hardware', 'cost', 'variable', 300)$$,
                'the reopened period takes the late invoice');
SELECT lives_ok($$UPDATE wwva.emc_contract SET pool_floor = 20 WHERE emc_id = 'ab' AND period_id = '2024-01'$$,
                'EMC ab''s January is open again');
SELECT is(wwva.close_period('2024-01', 'a', 'closed again'), 1, 'close it again');
SELECT is((SELECT array_agg(DISTINCT version ORDER BY version) FROM wwva.published_statement WHERE me_id = 'a' AND period_id = '2024-01'),
          ARRAY[1, 2], 'version 2 is published and version 1 is still readable');
SELECT is((SELECT v2.actual - v1.actual FROM wwva.published_statement v1 JOIN wwva.published_statement v2 USING (me_id, period_id, line_no)
            WHERE v1.me_id = 'a' AND v1.period_id = '2024-01' AND v1.version = 1 AND v2.version = 2 AND v1.item = 'hardware_cost'),
          300::numeric, 'version 2 has the late invoice, version 1 does not');
SELECT is(pg_temp.unpublished('a', '2024-01'), 0::bigint, 'the statement equals version 2');
SELECT is((SELECT array_agg(DISTINCT version ORDER BY version) FROM wwva.published_emc_shares WHERE emc_id = 'ab' AND period_id = '2024-01'),
          ARRAY[1, 2], 'EMC ab''s January is published again, as version 2');
SELECT results_eq($$SELECT action, version, note, current_user_name::text FROM wwva.period_close_log
                     WHERE me_id = 'a' AND period_id = '2024-01' ORDER BY log_id$$,
                  $$VALUES ('close', 1, 'January books closed', current_user::text),
                           ('reopen', 1, 'late supplier invoice', current_user::text),
                           ('close', 2, 'closed again', current_user::text)$$,
                  'the log has both closes and the reopen, with the user, the note and the reason');

-- 8. Closing for every ME, and the bad calls.
SELECT is(wwva.close_period('2024-02'), 1, 'close February for every ME: ME a (ME b has it closed already)');
SELECT is((SELECT count(*) FROM wwva.closed_period WHERE period_id = '2024-02'), 2::bigint, 'both MEs have February closed');
SELECT throws_ok($$SELECT wwva.close_period('2024-13', 'a')$$, '22023',
                 'wwva.close_period: period "2024-13" does not exist', 'an unknown period is refused');
SELECT throws_ok($$SELECT wwva.close_period('2024-03', 'zz')$$, '22023',
                 'wwva.close_period: ME "zz" does not exist', 'an unknown ME is refused');
SELECT throws_ok($$SELECT wwva.close_period('2024-01', 'a')$$, '55000',
                 'wwva.close_period: period "2024-01" of ME "a" is already closed', 'closing a closed period is refused');
SELECT throws_ok($$SELECT wwva.reopen_period('2024-03', 'a', reason => 'x')$$, '55000',
                 'wwva.reopen_period: period "2024-03" is not closed for ME "a"', 'reopening an open period is refused');
SELECT throws_ok($$SELECT wwva.close_period(NULL)$$, '22023', NULL, 'a NULL period is refused');

-- 9. Nobody but the owner writes the tables, nor closes without a grant.
CREATE ROLE wwva_close_tester;
GRANT USAGE ON SCHEMA wwva TO wwva_close_tester;
GRANT SELECT ON ALL TABLES IN SCHEMA wwva TO wwva_close_tester;
SET ROLE wwva_close_tester;
SELECT throws_ok($$SELECT wwva.close_period('2024-03', 'a')$$, '42501', NULL, 'close_period needs EXECUTE, granted to no one');
SELECT throws_ok($$INSERT INTO wwva.published_statement SELECT * FROM wwva.published_statement LIMIT 1$$, '42501', NULL,
                 'a reader cannot forge a publication');
SELECT throws_ok($$DELETE FROM wwva.period_close_log$$, '42501', NULL, 'nor erase the log');
RESET ROLE;
GRANT EXECUTE ON FUNCTION wwva.close_period(text, text, text) TO wwva_close_tester;
SET ROLE wwva_close_tester;
SELECT is(wwva.close_period('2024-03', 'b', 'as a controller'), 1, 'a role granted EXECUTE closes');
RESET ROLE;
SELECT is((SELECT current_user_name::text FROM wwva.period_close_log ORDER BY log_id DESC LIMIT 1), 'wwva_close_tester',
          'and the log names it, not the owner');

-- 9b. Readers see the closes, publications and log of the MEs they see;
--     the materialized statement keeps up with closed periods.
ALTER TABLE wwva.me ENABLE ROW LEVEL SECURITY;
CREATE POLICY only_a ON wwva.me FOR SELECT TO wwva_close_tester USING (me_id = 'a');
SET ROLE wwva_close_tester;
SELECT is((SELECT array_agg(DISTINCT me_id) FROM wwva.published_statement), ARRAY['a'],
          'a reader who sees ME a only reads only its publications');
SELECT is((SELECT array_agg(DISTINCT me_id) FROM wwva.closed_period) || (SELECT array_agg(DISTINCT me_id) FROM wwva.period_close_log),
          ARRAY['a', 'a'], 'and only its closes and log');
RESET ROLE;
DROP POLICY only_a ON wwva.me;
ALTER TABLE wwva.me DISABLE ROW LEVEL SECURITY;
SELECT ok(wwva.refresh() > 0, 'a refresh runs with periods closed');
SELECT is((SELECT count(*) FROM (SELECT me_id, period_id, line_no, actual FROM wwva.materialized_statement
                                 EXCEPT SELECT me_id, period_id, line_no, actual FROM wwva.statement) d), 0::bigint,
          'and the materialized statement equals the statement');

-- 10. No accepted change makes a closed statement differ from its
--     publication: 400 random changes of every kind, each either refused
--     (55000) or accepted, and after each accepted one every closed pair's
--     statement (and every closed EMC period's shares) is checked.
SELECT is(wwva.reopen_period('2024-02', reason => 'for the random changes'), 2, 'reopen February for both MEs');
CREATE FUNCTION pg_temp.random_change(i integer) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    me text := (ARRAY['a', 'b'])[1 + i % 2];
    day date := DATE '2023-12-20' + (i * 7919) % 110;
    period text := (ARRAY['2024-01', '2024-02', '2024-03'])[1 + i % 3];
BEGIN
    CASE i % 12
    WHEN 0 THEN RETURN format('INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount) VALUES (%L, %L, ''hardware'', ''revenue'', %s)', me, day, i);
    WHEN 1 THEN RETURN format('UPDATE wwva.ledger SET amount = amount + 1 WHERE entry_id = (SELECT min(entry_id) FROM wwva.ledger WHERE me_id = %L AND booked_on >= %L)', me, day);
    WHEN 2 THEN RETURN format('DELETE FROM wwva.ledger WHERE entry_id = (SELECT max(entry_id) FROM wwva.ledger WHERE me_id = %L AND booked_on <= %L)', me, day);
    WHEN 3 THEN RETURN format('UPDATE wwva.ledger SET booked_on = %L WHERE entry_id = (SELECT min(entry_id) FROM wwva.ledger WHERE me_id = %L AND booked_on > %L)', day, me, day);
    WHEN 4 THEN RETURN format('INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind) VALUES (%L, %s, %L::timestamptz, ''transaction'')', me, i % 40, day + interval '13 hours');
    WHEN 5 THEN RETURN format('DELETE FROM wwva.user_event WHERE event_id = (SELECT max(event_id) FROM wwva.user_event WHERE me_id = %L AND occurred_at <= %L::timestamptz)', me, day);
    WHEN 6 THEN RETURN format('INSERT INTO wwva.target VALUES (%L, %L, ''total_profit'', %s) ON CONFLICT (me_id, period_id, item) DO UPDATE SET value = excluded.value', me, period, i);
    WHEN 7 THEN RETURN format('UPDATE wwva.sharing_rule SET rate = 0.%s WHERE me_id = %L', 1 + i % 8, me);
    WHEN 8 THEN RETURN format('UPDATE wwva.me SET active_min_transactions = %s WHERE me_id = %L', 1 + i % 3, me);
    WHEN 9 THEN RETURN format('UPDATE wwva.emc_contract SET pool_floor = %s WHERE emc_id = ''ab'' AND period_id = %L', i % 30, period);
    WHEN 10 THEN RETURN format('UPDATE wwva.emc_member SET weight = %s WHERE emc_id = ''ab'' AND member_id = %L', 1 + i % 4, me);
    ELSE RETURN format('UPDATE wwva.period SET ends_on = ends_on + %s WHERE period_id = %L', 1 - 2 * (i % 2), period);
    END CASE;
END $$;
CREATE FUNCTION pg_temp.differing() RETURNS bigint LANGUAGE sql AS $$
SELECT coalesce(sum(pg_temp.unpublished(c.me_id, c.period_id)), 0)::bigint FROM wwva.closed_period c
$$;
CREATE TEMP TABLE outcome (i integer, accepted boolean, differing bigint);
DO $$
DECLARE
    ok boolean;
BEGIN
    FOR i IN 1..400 LOOP
        BEGIN
            EXECUTE pg_temp.random_change(i);
            ok := true;
        EXCEPTION WHEN object_not_in_prerequisite_state THEN
            ok := false;
        WHEN exclusion_violation OR check_violation THEN  -- a period moved onto its neighbour
            ok := NULL;
        END;
        INSERT INTO outcome VALUES (i, ok, CASE WHEN ok THEN pg_temp.differing() END);
    END LOOP;
END $$;
SELECT ok((SELECT count(*) FILTER (WHERE accepted) > 50 AND count(*) FILTER (WHERE NOT accepted) > 50 FROM outcome),
          format('random changes: %s accepted, %s refused', (SELECT count(*) FILTER (WHERE accepted) FROM outcome),
                 (SELECT count(*) FILTER (WHERE NOT accepted) FROM outcome)));
SELECT is((SELECT coalesce(sum(differing), 0) FROM outcome), 0::numeric,
          'after every accepted change, every closed statement equals its latest publication');
SELECT is((SELECT coalesce(sum(pg_temp.unpublished_shares(s.emc_id, s.period_id)), 0) FROM (SELECT DISTINCT emc_id, period_id FROM wwva.published_emc_shares) s
            WHERE wwva_internal.closed_emc_period(s.emc_id, s.period_id)), 0::numeric,
          'and every closed EMC period''s shares equal theirs');

SELECT * FROM finish();
ROLLBACK;

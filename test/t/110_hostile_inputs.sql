-- Hostile inputs to the C trigger functions, as a superuser could give them
-- (PUBLIC cannot execute them; a superuser can attach them anywhere).
--
-- wwva_internal.ledger_check() and wwva_internal.user_event_check() read columns by name and
-- type.  Attached to any table but wwva.ledger / wwva.user_event and their
-- partitions they must refuse to run before reading a column, with a proper
-- SQLSTATE and a hint: once, a by-value integer me_id was read as a pointer
-- and crashed the server.  A copy of a function in another schema checks
-- that schema's tables, and refuses ones whose columns have other types.
-- The real tables, and partitions of them at any depth whose columns sit
-- elsewhere, keep working.  Error messages quote at most 64 bytes of a
-- value, cut where a character ends, so they convert to any client
-- encoding.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
SET LOCAL client_min_messages = warning;
SELECT plan(35);

-- ------------------------------------------------ hostile tables for ledger_check
-- the crash of 0.5.0: me_id integer, read as a pointer
CREATE TEMP TABLE h_int_me (entry_id bigint, me_id int, booked_on date, stream text, kind text,
                            behavior text, amount numeric);
-- exactly wwva.ledger's columns and types, but not wwva.ledger
CREATE TEMP TABLE h_lookalike (LIKE wwva.ledger);
CREATE TEMP TABLE h_missing (me_id text);
CREATE TEMP TABLE h_extra (entry_id bigint, me_id text, booked_on date, stream text, kind text,
                           behavior text, amount numeric, more bigint, still_more text);
CREATE TEMP TABLE h_shuffled (amount text, me_id bigint, booked_on timestamptz, kind int,
                              stream bytea, entry_id numeric, behavior int);
CREATE TEMP TABLE h_empty ();

CREATE FUNCTION pg_temp.attach(tbl text, fn text, timing text DEFAULT 'BEFORE INSERT OR UPDATE',
                               level text DEFAULT 'ROW', name text DEFAULT 'hostile') RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE TRIGGER %I %s ON %s FOR EACH %s EXECUTE FUNCTION %s()', name, timing, tbl, level, fn);
END $$;
SELECT pg_temp.attach(t, 'wwva_internal.ledger_check')
  FROM unnest(ARRAY['h_int_me', 'h_lookalike', 'h_missing', 'h_extra', 'h_shuffled', 'h_empty']) t;

SELECT throws_ok($$INSERT INTO h_int_me VALUES (1, 12345, '2024-01-01', 'hardware', 'revenue', NULL, 1)$$,
                 '39P01', NULL, 'ledger_check on a table with an integer me_id: refused, no crash');
SELECT throws_like($$INSERT INTO h_int_me VALUES (1, 12345, '2024-01-01', 'hardware', 'revenue', NULL, 1)$$,
                   '%cannot check relation pg_temp%.h_int_me: it checks only wwva.ledger and its partitions',
                   'the refusal names the relation and what the function checks');
SELECT throws_ok($$INSERT INTO h_lookalike (entry_id, me_id, booked_on, stream, kind, amount)
                   VALUES (1, 'xinchu', '2024-01-01', 'hardware', 'revenue', 1)$$,
                 '39P01', NULL, 'ledger_check on a table with exactly wwva.ledger''s columns: refused');
SELECT throws_ok($$INSERT INTO h_missing VALUES ('xinchu')$$, '39P01', NULL,
                 'ledger_check on a table missing columns: refused');
SELECT throws_ok($$INSERT INTO h_extra VALUES (1, 'xinchu', '2024-01-01', 'hardware', 'revenue', NULL, 1, 2, 'x')$$,
                 '39P01', NULL, 'ledger_check on a table with extra columns: refused');
SELECT throws_ok($$INSERT INTO h_shuffled VALUES ('x', 1, now(), 1, '\x00', 1, 1)$$, '39P01', NULL,
                 'ledger_check on a table with every column of another type: refused');
SELECT throws_ok($$INSERT INTO h_empty DEFAULT VALUES$$, '39P01', NULL,
                 'ledger_check on a table without columns: refused');
ALTER TABLE h_extra DISABLE TRIGGER hostile;
INSERT INTO h_extra VALUES (1, 'xinchu', '2024-01-01', 'hardware', 'revenue', NULL, 1, 2, 'x');
ALTER TABLE h_extra ENABLE TRIGGER hostile;
SELECT throws_ok($$UPDATE h_extra SET amount = 2$$, '39P01', NULL,
                 'ledger_check as an UPDATE trigger on another table: refused');
SELECT throws_ok($$SELECT pg_temp.attach('h_extra', 'wwva_internal.ledger_check', 'AFTER INSERT', 'STATEMENT', 'hostile_statement');
                   INSERT INTO h_extra VALUES (1, 'xinchu', '2024-01-01', 'hardware', 'revenue', NULL, 1, 2, 'x')$$,
                 '39P01', NULL, 'ledger_check as a statement trigger: refused');
SELECT throws_ok($$SELECT wwva_internal.ledger_check()$$, '39P01', NULL,
                 'ledger_check called directly, not as a trigger: refused');

-- ------------------------------------------------ hostile tables for user_event_check
CREATE TEMP TABLE he_int_me (event_id bigint, me_id bigint, user_id bigint, occurred_at timestamptz, kind text);
CREATE TEMP TABLE he_lookalike (LIKE wwva.user_event);
CREATE TEMP TABLE he_missing (kind text);
CREATE TEMP TABLE he_extra (event_id bigint, me_id text, user_id bigint, occurred_at timestamptz, kind text,
                            extra numeric);
CREATE TEMP TABLE he_shuffled (kind bigint, occurred_at text, user_id text, me_id int, event_id date);
SELECT pg_temp.attach(t, 'wwva_internal.user_event_check')
  FROM unnest(ARRAY['he_int_me', 'he_lookalike', 'he_missing', 'he_extra', 'he_shuffled']) t;

SELECT throws_ok($$INSERT INTO he_int_me VALUES (1, 2, 3, now(), 'transaction')$$, '39P01', NULL,
                 'user_event_check on a table with a bigint me_id: refused, no crash');
SELECT throws_like($$INSERT INTO he_int_me VALUES (1, 2, 3, now(), 'transaction')$$,
                   '%cannot check relation pg_temp%.he_int_me: it checks only wwva.user_event and its partitions',
                   'the refusal names the relation');
SELECT throws_ok($$INSERT INTO he_lookalike (event_id, me_id, user_id, occurred_at, kind)
                   VALUES (1, 'xinchu', 3, now(), 'transaction')$$,
                 '39P01', NULL, 'user_event_check on a table with exactly wwva.user_event''s columns: refused');
SELECT throws_ok($$INSERT INTO he_missing VALUES ('transaction')$$, '39P01', NULL,
                 'user_event_check on a table missing columns: refused');
SELECT throws_ok($$INSERT INTO he_extra VALUES (1, 'xinchu', 3, now(), 'transaction', 1)$$, '39P01', NULL,
                 'user_event_check on a table with extra columns: refused');
SELECT throws_ok($$INSERT INTO he_shuffled VALUES (1, 'x', 'y', 2, '2024-01-01')$$, '39P01', NULL,
                 'user_event_check on a table with every column of another type: refused');
SELECT throws_ok($$SELECT pg_temp.attach('h_lookalike', 'wwva_internal.user_event_check', name => 'hostile_event');
                   INSERT INTO h_lookalike (entry_id, me_id, booked_on, stream, kind, amount)
                   VALUES (1, 'xinchu', '2024-01-01', 'hardware', 'revenue', 1)$$,
                 '39P01', NULL, 'user_event_check on a ledger lookalike: refused');

-- ------------------------------------------------ a copy of a function in another schema
-- It checks the tables of the schema of the tree it is attached to, by
-- column type too.
CREATE SCHEMA wwva_hostile;
CREATE FUNCTION wwva_hostile.ledger_check() RETURNS trigger AS '$libdir/wwva', 'wwva_ledger_check' LANGUAGE C;
CREATE FUNCTION wwva_hostile.user_event_check() RETURNS trigger AS '$libdir/wwva', 'wwva_user_event_check' LANGUAGE C;
CREATE TABLE wwva_hostile.me (me_id text PRIMARY KEY);
INSERT INTO wwva_hostile.me VALUES ('h');
CREATE TABLE wwva_hostile.ledger (entry_id int, me_id text, booked_on date, stream text, kind text,
                                  behavior text, amount numeric);
CREATE TABLE wwva_hostile.user_event (event_id bigint, me_id text, user_id bigint, occurred_at timestamp,
                                      kind text);
SELECT pg_temp.attach('wwva_hostile.ledger', 'wwva_hostile.ledger_check');
SELECT pg_temp.attach('wwva_hostile.user_event', 'wwva_hostile.user_event_check');
SELECT throws_ok($$INSERT INTO wwva_hostile.ledger VALUES (1, 'h', '2024-01-01', 'hardware', 'revenue', NULL, 1)$$,
                 '42804', 'wwva_internal.ledger_check cannot check relation wwva_hostile.ledger: column "entry_id" is integer, not bigint',
                 'a copy of ledger_check in another schema refuses that schema''s ledger with an integer entry_id');
SELECT throws_ok($$INSERT INTO wwva_hostile.user_event VALUES (1, 'h', 3, now(), 'transaction')$$,
                 '42804', NULL,
                 'a copy of user_event_check refuses a user_event with timestamp instead of timestamptz');
SELECT throws_ok($$CREATE TRIGGER hostile BEFORE INSERT ON wwva.ledger_default
                       FOR EACH ROW EXECUTE FUNCTION wwva_hostile.ledger_check();
                   INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount)
                   VALUES ('xinchu', '2024-01-01', 'hardwre', 'revenue', 1)$$,
                 '23514', NULL, 'on a partition of wwva.ledger the copy checks as the real one does (the tree''s root decides, not the function''s schema)');
ALTER TABLE wwva_hostile.ledger DROP COLUMN entry_id;
SELECT throws_ok($$INSERT INTO wwva_hostile.ledger VALUES ('h', '2024-01-01', 'hardware', 'revenue', NULL, 1)$$,
                 '42703', 'wwva_internal.ledger_check cannot check relation wwva_hostile.ledger: it has no column "entry_id"',
                 'a dropped column is a missing column');
ALTER TABLE wwva_hostile.ledger ADD COLUMN entry_id bigint;
SELECT lives_ok($$INSERT INTO wwva_hostile.ledger VALUES ('h', '2024-01-01', 'hardware', 'revenue', NULL, 1, 7)$$,
                'with the right types (the column re-added last), the copy checks its own schema''s ledger');
SELECT throws_ok($$INSERT INTO wwva_hostile.ledger VALUES ('xinchu', '2024-01-01', 'hardware', 'revenue', NULL, 1, 8)$$,
                 '23503', NULL, '... against its own schema''s MEs');

-- ------------------------------------------------ the real tables still work
SELECT lives_ok($$INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, behavior, amount)
                  VALUES ('xinchu', '2016-03-01', 'hardware', 'cost', 'fixed', 12.50)$$,
                'a valid posting is accepted by wwva.ledger');
SELECT throws_ok($$INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount)
                   VALUES ('xinchu', '2016-03-01', 'hardware', 'cost', 12.50)$$,
                 '23514', NULL, 'an invalid posting is still refused');
SELECT lives_ok($$UPDATE wwva.ledger SET amount = amount WHERE entry_id = (SELECT min(entry_id) FROM wwva.ledger)$$,
                'an update of wwva.ledger is checked and accepted');
SELECT lives_ok($$INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind)
                  VALUES ('xinchu', 424242, '2016-03-01 12:00+08', 'transaction')$$,
                'a valid user event is accepted by wwva.user_event');
SELECT throws_ok($$INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind)
                   VALUES ('no such me', 424242, '2016-03-01 12:00+08', 'transaction')$$,
                 '23503', NULL, 'an event of an unknown ME is still refused');

-- partitions at depth 1 and 2, one with its columns in another order and a dropped column
INSERT INTO wwva.me (me_id, name) VALUES ('hostile_a', 'A'), ('hostile_b', 'B'), ('hostile_c', 'C');
CREATE TABLE wwva_hostile.ledger_ab PARTITION OF wwva.ledger FOR VALUES IN ('hostile_a', 'hostile_b')
    PARTITION BY LIST (me_id);
CREATE TABLE wwva_hostile.ledger_a PARTITION OF wwva_hostile.ledger_ab FOR VALUES IN ('hostile_a');
CREATE TABLE wwva_hostile.ledger_c (dropped int, LIKE wwva.ledger INCLUDING CONSTRAINTS);
ALTER TABLE wwva_hostile.ledger_c DROP COLUMN dropped;
ALTER TABLE wwva.ledger ATTACH PARTITION wwva_hostile.ledger_c FOR VALUES IN ('hostile_c');
SELECT lives_ok($$INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount)
                  VALUES ('hostile_a', '2016-03-01', 'ecosystem', 'revenue', 3)$$,
                'a posting routed to a partition of a partition is checked and accepted');
SELECT throws_ok($$INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount)
                   VALUES ('hostile_a', '2016-03-01', 'nowhere', 'revenue', 3)$$,
                 '23514', NULL, '... and an invalid one refused there');
SELECT lives_ok($$INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount)
                  VALUES ('hostile_c', '2016-03-01', 'ecosystem', 'revenue', 4)$$,
                'a posting in a partition whose columns sit elsewhere is checked and accepted');
SELECT throws_like($$INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, behavior, amount)
                     VALUES ('hostile_c', '2016-03-01', 'ecosystem', 'cost', 'sometimes', 4)$$,
                   '%(ME "hostile_c", booked on 2016-03-01): unknown behavior "sometimes"',
                   '... and an invalid one refused naming its values, read from the right columns');
SELECT is((SELECT string_agg(format('%s %s %s', me_id, stream, amount), ', ' ORDER BY me_id)
             FROM wwva.ledger WHERE me_id LIKE 'hostile%'),
          'hostile_a ecosystem 3, hostile_c ecosystem 4', 'the accepted postings are there');

-- ------------------------------------------------ messages cut at a character boundary
-- 'a' then 40 two-byte characters: the 64th byte starts a character, which
-- a cut at 64 bytes would split (a LATIN1 client then got "invalid byte
-- sequence for encoding UTF8: 0xc3 0x22" instead of the error).
CREATE FUNCTION pg_temp.error_of(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    RETURN SQLERRM;
END $$;
SELECT is(convert_from(convert_to(pg_temp.error_of(format(
              $$INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount) VALUES ('xinchu', '2016-03-01', %L, 'revenue', 1)$$,
              'a' || repeat(E'\u00e9', 40))), 'LATIN1'), 'LATIN1'),
          'wwva.ledger entry ' || currval('wwva.ledger_entry_id_seq') ||
          ' (ME "xinchu", booked on 2016-03-01): unknown stream "a' || repeat(E'\u00e9', 31) || '"',
          'a trigger''s message quotes 63 bytes, whole characters, and converts to LATIN1');
SELECT is(convert_from(convert_to(pg_temp.error_of(format(
              $$SELECT wwva.event_period(%L, now(), wwva.current_calendar())$$,
              'a' || repeat(E'\u00e9', 40))), 'LATIN1'), 'LATIN1'),
          'wwva.event_period: ME "a' || repeat(E'\u00e9', 31) || '" is not in the calendar',
          'an unknown ME''s message cuts its id at a character boundary too');

SELECT * FROM finish();
ROLLBACK;

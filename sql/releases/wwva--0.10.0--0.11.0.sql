-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION wwva UPDATE TO '0.11.0'" to load this file. \quit

-- ===========================================================================
-- wwva 0.10.0 -> 0.11.0, written by hand.
--
-- Closed periods, corrections by reversal, published statements (issue 18).
-- A posting names the one it reverses; the row checks of the ledgers fire
-- on delete too; the rest is new (sql/closing.sql).
-- ===========================================================================
ALTER TABLE @extschema@.ledger ADD COLUMN reverses_entry_id bigint;
COMMENT ON COLUMN @extschema@.ledger.reverses_entry_id IS 'The posting this one reverses (wwva.reverse_entry): its exact negation, of the same ME, with the reason in memo.';

COMMENT ON COLUMN @extschema@.ledger_default.reverses_entry_id IS 'The posting this one reverses (wwva.reverse_entry): its exact negation, of the same ME, with the reason in memo.';   -- as every column of the default partition

-- On delete too: a row of a closed period is not removed (src/closed_periods.c).
DROP TRIGGER ledger_check ON @extschema@.ledger;
CREATE TRIGGER ledger_check BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.ledger
    FOR EACH ROW EXECUTE FUNCTION wwva_internal.ledger_check();
DROP TRIGGER user_event_check ON @extschema@.user_event;
CREATE TRIGGER user_event_check BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.user_event
    FOR EACH ROW EXECUTE FUNCTION wwva_internal.user_event_check();
COMMENT ON FUNCTION wwva_internal.ledger_check() IS
'Trigger: rejects a wwva.ledger row with an unknown ME, stream, kind or behavior, or a non-finite amount, naming the row; and the insert, change or delete of a posting booked in a closed period of its ME.';
COMMENT ON FUNCTION wwva_internal.user_event_check() IS
'Trigger: rejects a wwva.user_event row with an unknown ME or kind, naming the row; and the insert, change or delete of an event in a closed period of its ME or in the K-1 periods before it.';

-- ===========================================================================
-- Closed periods, corrections by reversal, published statements (0.11.0)
-- ===========================================================================
-- wwva.close_period() closes a period for an ME: it waits for the writers
-- in flight, publishes the ME-period's statement (and the shares of every
-- EMC period it completes) as a new version, and from then on the rows
-- and settings that statement is computed from refuse every change:
--   * postings booked in the period, events occurring in it or in the K-1
--     periods before it (its lifetime users look back on them): the row
--     checks of the ledgers (src/ledger_check.c, src/closed_periods.c);
--   * the pair's targets, the ME's sharing rules and settings, the
--     period's dates and the periods before it in its calendar, and the
--     contracts, tiers and members of a closed EMC period: the triggers
--     below.
-- A correction is a new posting in an open period (wwva.reverse_entry);
-- wwva.reopen_period() takes a reason.  Every close and reopen is logged.
-- These tables are written only by those functions, which run as the
-- extension's owner (SECURITY DEFINER: the one way to keep them
-- unwritable by the roles that close periods); readers see them under the
-- policy on wwva.me, as the materialized statement.

CREATE TABLE @extschema@.closed_period (
    me_id     text NOT NULL REFERENCES @extschema@.me (me_id),
    period_id text NOT NULL REFERENCES @extschema@.period (period_id),
    version   integer NOT NULL CONSTRAINT closed_period_version_positive CHECK (version > 0),
    closed_at timestamptz NOT NULL,
    closed_by name NOT NULL,
    note      text,
    PRIMARY KEY (me_id, period_id)
);
COMMENT ON TABLE @extschema@.closed_period IS
'The closed ME-periods, one row each (wwva.close_period, wwva.reopen_period): their rows, targets, rules and settings refuse every change.';
COMMENT ON COLUMN @extschema@.closed_period.me_id IS 'ME.';
COMMENT ON COLUMN @extschema@.closed_period.period_id IS 'Period, of any calendar.';
COMMENT ON COLUMN @extschema@.closed_period.version IS 'The version of the statement published by this close (wwva.published_statement.version).';
COMMENT ON COLUMN @extschema@.closed_period.closed_at IS 'When it was closed (the transaction''s start).';
COMMENT ON COLUMN @extschema@.closed_period.closed_by IS 'The role that closed it (current_user of the caller).';
COMMENT ON COLUMN @extschema@.closed_period.note IS 'The note given to wwva.close_period.';

CREATE TABLE @extschema@.published_statement (
    me_id        text NOT NULL,
    period_id    text NOT NULL,
    line         text NOT NULL,
    item         text NOT NULL,
    unit         text,
    actual       numeric,
    target       numeric,
    variance     numeric,
    achievement  numeric,
    line_no      integer NOT NULL,
    period_no    integer NOT NULL,
    starts_on    date NOT NULL,
    ends_on      date NOT NULL,
    calendar     text NOT NULL,
    version      integer NOT NULL,
    published_at timestamptz NOT NULL,
    published_by name NOT NULL,
    PRIMARY KEY (me_id, period_id, version, line_no)
);
COMMENT ON TABLE @extschema@.published_statement IS
'Every version of the statement of an ME-period as it was published when the period was closed: the columns of wwva.statement, then the version (1 for the first close, one more for each close after a reopen), when and by whom. Earlier versions stay.';
COMMENT ON COLUMN @extschema@.published_statement.me_id IS 'As in wwva.statement.';
COMMENT ON COLUMN @extschema@.published_statement.period_id IS 'As in wwva.statement.';
COMMENT ON COLUMN @extschema@.published_statement.line IS 'As in wwva.statement.';
COMMENT ON COLUMN @extschema@.published_statement.item IS 'As in wwva.statement.';
COMMENT ON COLUMN @extschema@.published_statement.unit IS 'As in wwva.statement.';
COMMENT ON COLUMN @extschema@.published_statement.actual IS 'As in wwva.statement when published.';
COMMENT ON COLUMN @extschema@.published_statement.target IS 'As in wwva.statement when published.';
COMMENT ON COLUMN @extschema@.published_statement.variance IS 'As in wwva.statement when published.';
COMMENT ON COLUMN @extschema@.published_statement.achievement IS 'As in wwva.statement when published.';
COMMENT ON COLUMN @extschema@.published_statement.line_no IS 'As in wwva.statement.';
COMMENT ON COLUMN @extschema@.published_statement.starts_on IS 'As in wwva.statement.';
COMMENT ON COLUMN @extschema@.published_statement.ends_on IS 'As in wwva.statement.';
COMMENT ON COLUMN @extschema@.published_statement.calendar IS 'As in wwva.statement.';
COMMENT ON COLUMN @extschema@.published_statement.period_no IS 'As in wwva.statement when published: a position, which periods added to other calendars later may shift.';
COMMENT ON COLUMN @extschema@.published_statement.version IS 'The close that published it: 1, then one more per close after a reopen.';
COMMENT ON COLUMN @extschema@.published_statement.published_at IS 'When (the closing transaction''s start).';
COMMENT ON COLUMN @extschema@.published_statement.published_by IS 'The role that closed the period.';

CREATE TABLE @extschema@.published_emc_shares (
    emc_id         text NOT NULL,
    period_id      text NOT NULL,
    member_id      text,
    kind           text NOT NULL,
    share          numeric NOT NULL,
    member_label   text NOT NULL,
    period_no      integer NOT NULL,
    starts_on      date NOT NULL,
    ends_on        date NOT NULL,
    calendar       text NOT NULL,
    value_added    numeric,
    pool           numeric,
    leading_target numeric,
    version        integer NOT NULL,
    published_at   timestamptz NOT NULL,
    published_by   name NOT NULL,
    PRIMARY KEY (emc_id, period_id, version, member_label)
);
COMMENT ON TABLE @extschema@.published_emc_shares IS
'Every version of the shares of an EMC period as published when its last member ME closed the period: the columns of wwva.emc_shares, the pool they split (as in wwva.emc_pools), the version, when and by whom.';
COMMENT ON COLUMN @extschema@.published_emc_shares.emc_id IS 'As in wwva.emc_shares when published.';
COMMENT ON COLUMN @extschema@.published_emc_shares.period_id IS 'As in wwva.emc_shares when published.';
COMMENT ON COLUMN @extschema@.published_emc_shares.member_id IS 'As in wwva.emc_shares when published.';
COMMENT ON COLUMN @extschema@.published_emc_shares.kind IS 'As in wwva.emc_shares when published.';
COMMENT ON COLUMN @extschema@.published_emc_shares.share IS 'As in wwva.emc_shares when published.';
COMMENT ON COLUMN @extschema@.published_emc_shares.member_label IS 'As in wwva.emc_shares when published.';
COMMENT ON COLUMN @extschema@.published_emc_shares.period_no IS 'As in wwva.emc_shares when published.';
COMMENT ON COLUMN @extschema@.published_emc_shares.starts_on IS 'As in wwva.emc_shares when published.';
COMMENT ON COLUMN @extschema@.published_emc_shares.ends_on IS 'As in wwva.emc_shares when published.';
COMMENT ON COLUMN @extschema@.published_emc_shares.calendar IS 'As in wwva.emc_shares when published.';
COMMENT ON COLUMN @extschema@.published_emc_shares.value_added IS 'As in wwva.emc_pools when published.';
COMMENT ON COLUMN @extschema@.published_emc_shares.pool IS 'As in wwva.emc_pools when published.';
COMMENT ON COLUMN @extschema@.published_emc_shares.leading_target IS 'As in wwva.emc_pools when published.';
COMMENT ON COLUMN @extschema@.published_emc_shares.version IS '1 for the first time the EMC period was closed, one more each time after.';
COMMENT ON COLUMN @extschema@.published_emc_shares.published_at IS 'When (the closing transaction''s start).';
COMMENT ON COLUMN @extschema@.published_emc_shares.published_by IS 'The role whose close completed the EMC period.';

CREATE TABLE @extschema@.period_close_log (
    log_id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    me_id             text NOT NULL,
    period_id         text NOT NULL,
    action            text NOT NULL CONSTRAINT period_close_log_action_known CHECK (action IN ('close', 'reopen')),
    version           integer NOT NULL,
    logged_at         timestamptz NOT NULL,
    current_user_name name NOT NULL,
    session_user_name name NOT NULL,
    note              text
);
COMMENT ON TABLE @extschema@.period_close_log IS
'Every close and reopen of an ME-period, in order: who (current_user as the caller saw it, and session_user), when, and the note of a close or the reason of a reopen.';
COMMENT ON COLUMN @extschema@.period_close_log.log_id IS 'Order of the entries.';
COMMENT ON COLUMN @extschema@.period_close_log.me_id IS 'ME.';
COMMENT ON COLUMN @extschema@.period_close_log.period_id IS 'Period.';
COMMENT ON COLUMN @extschema@.period_close_log.action IS 'close or reopen.';
COMMENT ON COLUMN @extschema@.period_close_log.version IS 'The version the close published, or the one the reopen set aside.';
COMMENT ON COLUMN @extschema@.period_close_log.logged_at IS 'When (the transaction''s start).';
COMMENT ON COLUMN @extschema@.period_close_log.current_user_name IS 'current_user of the caller (after SET ROLE).';
COMMENT ON COLUMN @extschema@.period_close_log.session_user_name IS 'session_user: the role that logged in.';
COMMENT ON COLUMN @extschema@.period_close_log.note IS 'The note of a close, the reason of a reopen.';

-- dumped by pg_dump: closes, publications and the log survive a restore
SELECT pg_catalog.pg_extension_config_dump('@extschema@.closed_period', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.published_statement', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.published_emc_shares', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.period_close_log', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.period_close_log_log_id_seq', '');

-- readers see the rows of the MEs (and EMCs) they see
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['published_statement', 'period_close_log'] LOOP
        EXECUTE pg_catalog.format('ALTER TABLE @extschema@.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE pg_catalog.format('CREATE POLICY me_visible ON @extschema@.%I FOR SELECT '
                                  'USING (me_id IN (SELECT wwva_internal.visible_mes()))', t);
        EXECUTE pg_catalog.format('COMMENT ON POLICY me_visible ON @extschema@.%I IS %L', t,
                                  'A reader sees the rows of the MEs it can see in wwva.me.');
    END LOOP;
END
$$;
-- wwva.closed_period is a Citus reference table in the README's recipe (the
-- workers' row checks read it), and Citus refuses a policy with a
-- subquery there: a test per row, on a table of one row per close.
CREATE FUNCTION wwva_internal.me_visible(me text) RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN EXISTS (SELECT FROM @extschema@.me m WHERE m.me_id OPERATOR(pg_catalog.=) me);
END
$$;
COMMENT ON FUNCTION wwva_internal.me_visible(text) IS
'Whether the caller can see the ME in wwva.me: the test of the policy on wwva.closed_period, run as the reader.';
ALTER TABLE @extschema@.closed_period ENABLE ROW LEVEL SECURITY;
CREATE POLICY me_visible ON @extschema@.closed_period FOR SELECT USING (wwva_internal.me_visible(me_id));
COMMENT ON POLICY me_visible ON @extschema@.closed_period IS 'A reader sees the closes of the MEs it can see in wwva.me.';
ALTER TABLE @extschema@.published_emc_shares ENABLE ROW LEVEL SECURITY;
CREATE FUNCTION wwva_internal.visible_emcs() RETURNS SETOF text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN QUERY SELECT e.emc_id FROM @extschema@.emc e;
END
$$;
COMMENT ON FUNCTION wwva_internal.visible_emcs() IS
'The EMCs the caller can see in wwva.emc: the test of the policy on wwva.published_emc_shares, run as the reader.';
CREATE POLICY emc_visible ON @extschema@.published_emc_shares FOR SELECT
    USING (emc_id IN (SELECT wwva_internal.visible_emcs()));
COMMENT ON POLICY emc_visible ON @extschema@.published_emc_shares IS
'A reader sees the published shares of the EMCs it can see in wwva.emc.';

-- ---------------------------------------------------------------------------
-- What is closed, as it stands now
-- ---------------------------------------------------------------------------
CREATE FUNCTION wwva_internal.closes(of_me text DEFAULT NULL,
                                     OUT me_id text, OUT period_id text, OUT starts_on date,
                                     OUT ends_on date, OUT events_from date, OUT calendar text,
                                     OUT closed_by name, OUT closed_at timestamptz)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'wwva_closes'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION wwva_internal.closes(text) IS
'The closed periods of an ME (every ME''s when NULL) with their days and the first day whose events count in them, read as the table''s owner with the latest snapshot whatever the caller''s: a REPEATABLE READ writer that waited for a close sees it, and row-level security hides none.';
REVOKE EXECUTE ON FUNCTION wwva_internal.closes(text) FROM PUBLIC;

-- "current_user as the caller saw it": inside a SECURITY DEFINER function
-- current_user is the owner, while the role setting still holds the
-- caller's SET ROLE (or 'none', when that is session_user).
CREATE FUNCTION wwva_internal.calling_role() RETURNS name
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE WHEN pg_catalog.current_setting('role') OPERATOR(pg_catalog.=) 'none' THEN session_user
            ELSE pg_catalog.current_setting('role')::name END
$$;
COMMENT ON FUNCTION wwva_internal.calling_role() IS
'current_user of whoever called the SECURITY DEFINER function running now: the role set with SET ROLE, else session_user.';
REVOKE EXECUTE ON FUNCTION wwva_internal.calling_role() FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- What a close freezes besides the ledgers' rows
-- ---------------------------------------------------------------------------
-- These checks read the closes as they stand (wwva_internal.closes), as
-- the extension's owner: a writer's snapshot or row-level security must
-- not hide one.  Run by the triggers only.
CREATE FUNCTION wwva_internal.closed_refusal(what text, done text, me text, period text,
                                             hint text) RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c record;
BEGIN
    SELECT * INTO c FROM wwva_internal.closes(me) k
     WHERE period IS NULL OR k.period_id OPERATOR(pg_catalog.=) period
     ORDER BY k.starts_on LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION '% cannot be %: period "%" of ME "%" is closed (closed by % at %)',
            what, done, c.period_id, c.me_id, c.closed_by, c.closed_at
            USING ERRCODE = 'object_not_in_prerequisite_state', HINT = hint;
    END IF;
    RETURN false;
END
$$;
COMMENT ON FUNCTION wwva_internal.closed_refusal(text, text, text, text, text) IS
'Raises the refusal of a change to what (done: inserted, changed, deleted) when the ME has the period closed (any period when NULL); else false.';
REVOKE EXECUTE ON FUNCTION wwva_internal.closed_refusal(text, text, text, text, text) FROM PUBLIC;

CREATE FUNCTION wwva_internal.closed_settings_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    done text := CASE TG_OP WHEN 'INSERT' THEN 'inserted' WHEN 'UPDATE' THEN 'changed' ELSE 'deleted' END;
    -- the table, or the table a Citus shard (<table>_<shard id>) is of
    checked text := pg_catalog.regexp_replace(TG_TABLE_NAME, '_[0-9]+$', '');
    r record;
BEGIN
    -- a restore (check_function_bodies off) brings what was checked
    IF pg_catalog.current_setting('check_function_bodies') OPERATOR(pg_catalog.=) 'off' THEN
        NULL;
    ELSIF checked OPERATOR(pg_catalog.=) 'target' THEN
        -- the old row and the new, once when an update keeps the key
        FOR r IN SELECT DISTINCT * FROM (VALUES (OLD.me_id, OLD.period_id, OLD.item), (NEW.me_id, NEW.period_id, NEW.item)) v(me_id, period_id, item)
                  WHERE v.me_id IS NOT NULL LOOP
            PERFORM wwva_internal.closed_refusal(
                pg_catalog.format('target %s of ME "%s" for period "%s"', r.item, r.me_id, r.period_id),
                done, r.me_id, r.period_id,
                'The targets of a closed period are part of its published statement: reopen the period with a reason (wwva.reopen_period) to change them.');
        END LOOP;
    ELSIF checked OPERATOR(pg_catalog.=) 'sharing_rule' THEN
        FOR r IN SELECT DISTINCT * FROM (VALUES (OLD.me_id, OLD.party), (NEW.me_id, NEW.party)) v(me_id, party)
                  WHERE v.me_id IS NOT NULL LOOP
            PERFORM wwva_internal.closed_refusal(
                pg_catalog.format('sharing rule "%s" of ME "%s"', r.party, r.me_id),
                done, r.me_id, NULL,
                'A sharing rule applies to every period of its ME, closed ones too: reopen the ME''s closed periods with a reason (wwva.reopen_period) to change it.');
        END LOOP;
    ELSIF checked OPERATOR(pg_catalog.=) 'me' THEN
        -- the settings every statement of the ME is computed with
        IF TG_OP OPERATOR(pg_catalog.=) 'DELETE'
           OR (OLD.me_id, OLD.timezone, OLD.active_min_transactions, OLD.lifetime_periods, OLD.currency)
              IS DISTINCT FROM (NEW.me_id, NEW.timezone, NEW.active_min_transactions, NEW.lifetime_periods, NEW.currency) THEN
            PERFORM wwva_internal.closed_refusal(
                pg_catalog.format('ME "%s"', OLD.me_id), done, OLD.me_id, NULL,
                'Its id, time zone, N, K and currency are part of the statements of its closed periods: reopen them with a reason (wwva.reopen_period) to change them.');
        END IF;
    END IF;
    IF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION wwva_internal.closed_settings_check() IS
'Trigger: refuses changes to the targets of a closed ME-period, and to the sharing rules and settings (id, time zone, N, K, currency) of an ME with a closed period.';

-- A period's dates place its rows; the periods before it in its calendar
-- are the ones its lifetime users look back on.
CREATE FUNCTION wwva_internal.closed_period_dates_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    done text := CASE TG_OP WHEN 'INSERT' THEN 'inserted' WHEN 'UPDATE' THEN 'changed' ELSE 'deleted' END;
    r record;
    c record;
BEGIN
    IF pg_catalog.current_setting('check_function_bodies') OPERATOR(pg_catalog.=) 'off'
       OR (TG_OP OPERATOR(pg_catalog.=) 'UPDATE'
           AND (OLD.period_id, OLD.starts_on, OLD.ends_on, OLD.calendar)
               IS NOT DISTINCT FROM (NEW.period_id, NEW.starts_on, NEW.ends_on, NEW.calendar)) THEN
        IF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    FOR r IN SELECT DISTINCT * FROM (VALUES (OLD.period_id, OLD.starts_on, OLD.calendar),
                                   (NEW.period_id, NEW.starts_on, NEW.calendar)) v(period_id, starts_on, calendar)
              WHERE v.period_id IS NOT NULL LOOP
        SELECT * INTO c FROM wwva_internal.closes(NULL) k
         WHERE k.period_id OPERATOR(pg_catalog.=) r.period_id
            OR (k.calendar OPERATOR(pg_catalog.=) r.calendar AND k.starts_on OPERATOR(pg_catalog.>) r.starts_on)
         ORDER BY k.starts_on, k.me_id LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'period "%" cannot be %: period "%" of ME "%" is closed (closed by % at %)%',
                r.period_id, done, c.period_id, c.me_id, c.closed_by, c.closed_at,
                CASE WHEN c.period_id OPERATOR(pg_catalog.<>) r.period_id
                     THEN ', and its lifetime users look back on the periods before it in calendar "' OPERATOR(pg_catalog.||) c.calendar OPERATOR(pg_catalog.||) '"'
                     ELSE '' END
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'A closed period''s dates, and the periods before it in its calendar, are part of its published statement: reopen it with a reason (wwva.reopen_period) first.';
        END IF;
    END LOOP;
    IF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION wwva_internal.closed_period_dates_check() IS
'Trigger: refuses changes to a period closed for any ME, and to the periods of its calendar that start before it.';

-- An EMC period is closed when every member ME has closed it.
CREATE FUNCTION wwva_internal.closed_emc_period(emc text, period text) RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    members text[];
    member text;
BEGIN
    -- the members first, then each one's closes: on Citus a query of a
    -- reference table must not call a function that queries one
    SELECT pg_catalog.array_agg(m.member_id) INTO members
      FROM @extschema@.emc_member m
     WHERE m.emc_id OPERATOR(pg_catalog.=) emc AND m.kind OPERATOR(pg_catalog.=) 'me';
    IF members IS NULL THEN
        RETURN false;
    END IF;
    FOREACH member IN ARRAY members LOOP
        IF NOT EXISTS (SELECT FROM wwva_internal.closes(member) k
                        WHERE k.period_id OPERATOR(pg_catalog.=) period) THEN
            RETURN false;
        END IF;
    END LOOP;
    RETURN true;
END
$$;
COMMENT ON FUNCTION wwva_internal.closed_emc_period(text, text) IS
'Whether the EMC has member MEs and every one has the period closed.';
REVOKE EXECUTE ON FUNCTION wwva_internal.closed_emc_period(text, text) FROM PUBLIC;

CREATE FUNCTION wwva_internal.closed_emc_refusal(what text, done text, emc text, period text)
RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF period IS NOT NULL THEN
        RAISE EXCEPTION '% of EMC "%" cannot be %: its period "%" is closed (every member ME has closed it)',
            what, emc, done, period
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'The contract, tiers and members of a closed EMC period are part of its published shares: reopen the period of a member ME with a reason (wwva.reopen_period) first.';
    END IF;
    RETURN false;
END
$$;
COMMENT ON FUNCTION wwva_internal.closed_emc_refusal(text, text, text, text) IS
'Raises the refusal of a change to what of an EMC whose period is closed; false when period is NULL.';
REVOKE EXECUTE ON FUNCTION wwva_internal.closed_emc_refusal(text, text, text, text) FROM PUBLIC;

-- a contract or a tier belongs to one EMC period
CREATE FUNCTION wwva_internal.closed_emc_period_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    done text := CASE TG_OP WHEN 'INSERT' THEN 'inserted' WHEN 'UPDATE' THEN 'changed' ELSE 'deleted' END;
    r record;
BEGIN
    IF pg_catalog.current_setting('check_function_bodies') OPERATOR(pg_catalog.<>) 'off' THEN
        FOR r IN SELECT DISTINCT * FROM (VALUES (OLD.emc_id, OLD.period_id), (NEW.emc_id, NEW.period_id)) v(emc_id, period_id)
                  WHERE v.emc_id IS NOT NULL LOOP
            PERFORM wwva_internal.closed_emc_refusal(
                CASE WHEN TG_TABLE_NAME OPERATOR(pg_catalog.~) '^emc_tier(_[0-9]+)?$' THEN 'a tier' ELSE 'the contract' END, done, r.emc_id,
                CASE WHEN wwva_internal.closed_emc_period(r.emc_id, r.period_id) THEN r.period_id END);
        END LOOP;
    END IF;
    IF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION wwva_internal.closed_emc_period_check() IS
'Trigger: refuses changes to the contract and tiers of a closed EMC period.';

-- members are not per period: any closed period of the EMC holds them
CREATE FUNCTION wwva_internal.closed_emc_member_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    done text := CASE TG_OP WHEN 'INSERT' THEN 'inserted' WHEN 'UPDATE' THEN 'changed' ELSE 'deleted' END;
    r record;
BEGIN
    IF pg_catalog.current_setting('check_function_bodies') OPERATOR(pg_catalog.<>) 'off' THEN
        FOR r IN SELECT DISTINCT * FROM (VALUES (OLD.emc_id, OLD.member_id), (NEW.emc_id, NEW.member_id)) v(emc_id, member_id)
                  WHERE v.emc_id IS NOT NULL LOOP
            PERFORM wwva_internal.closed_emc_refusal(
                pg_catalog.format('member "%s"', r.member_id), done, r.emc_id,
                (SELECT p.period_id FROM @extschema@.period p
                  WHERE wwva_internal.closed_emc_period(r.emc_id, p.period_id)
                  ORDER BY p.starts_on LIMIT 1));
        END LOOP;
    END IF;
    IF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION wwva_internal.closed_emc_member_check() IS
'Trigger: refuses changes to the members of an EMC with a closed period.';

CREATE FUNCTION wwva_internal.closed_truncate_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF pg_catalog.current_setting('check_function_bodies') OPERATOR(pg_catalog.=) 'off' THEN
        RETURN NULL;
    END IF;
    PERFORM wwva_internal.closed_refusal(pg_catalog.format('%I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME),
                                         'truncated', NULL, NULL,
                                         'TRUNCATE would empty closed periods: delete the rows of open periods instead, or reopen the closed ones with a reason (wwva.reopen_period).');
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION wwva_internal.closed_truncate_check() IS
'Trigger: refuses TRUNCATE of a table closed periods are computed from while any period is closed.';

CREATE TRIGGER closed_check BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.target
    FOR EACH ROW EXECUTE FUNCTION wwva_internal.closed_settings_check();
CREATE TRIGGER closed_check BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.sharing_rule
    FOR EACH ROW EXECUTE FUNCTION wwva_internal.closed_settings_check();
CREATE TRIGGER closed_check BEFORE UPDATE OR DELETE ON @extschema@.me
    FOR EACH ROW EXECUTE FUNCTION wwva_internal.closed_settings_check();
CREATE TRIGGER closed_check BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.period
    FOR EACH ROW EXECUTE FUNCTION wwva_internal.closed_period_dates_check();
CREATE TRIGGER closed_check BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.emc_contract
    FOR EACH ROW EXECUTE FUNCTION wwva_internal.closed_emc_period_check();
CREATE TRIGGER closed_check BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.emc_tier
    FOR EACH ROW EXECUTE FUNCTION wwva_internal.closed_emc_period_check();
CREATE TRIGGER closed_check BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.emc_member
    FOR EACH ROW EXECUTE FUNCTION wwva_internal.closed_emc_member_check();
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['ledger', 'user_event', 'target', 'sharing_rule', 'me', 'period',
                             'emc_contract', 'emc_tier', 'emc_member'] LOOP
        EXECUTE pg_catalog.format('CREATE TRIGGER closed_truncate_check BEFORE TRUNCATE ON @extschema@.%I '
                                  'FOR EACH STATEMENT EXECUTE FUNCTION wwva_internal.closed_truncate_check()', t);
    END LOOP;
END
$$;

-- ---------------------------------------------------------------------------
-- Closing, reopening, correcting
-- ---------------------------------------------------------------------------
CREATE FUNCTION @extschema@.close_period(period_id text, me_id text DEFAULT NULL, note text DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    p_period ALIAS FOR period_id;
    p_me ALIAS FOR me_id;
    p_note ALIAS FOR note;
    caller name := wwva_internal.calling_role();
    closing text[];
    already text[];
    emc text;
    completed text[] := '{}';
    n integer;
BEGIN
    IF NOT EXISTS (SELECT FROM @extschema@.period p WHERE p.period_id OPERATOR(pg_catalog.=) p_period) THEN
        RAISE EXCEPTION 'wwva.close_period: period "%" does not exist', p_period
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give the period_id of a period in wwva.period (of any calendar).';
    END IF;
    IF p_me IS NOT NULL AND NOT EXISTS (SELECT FROM @extschema@.me m WHERE m.me_id OPERATOR(pg_catalog.=) p_me) THEN
        RAISE EXCEPTION 'wwva.close_period: ME "%" does not exist', p_me
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give the me_id of an ME in wwva.me, or NULL to close the period for every ME.';
    END IF;
    -- Wait for the writers in flight and hold off the next ones until the
    -- close commits: the published statement holds every row committed
    -- before it, and every later row is checked against it.
    LOCK TABLE @extschema@.ledger, @extschema@.user_event, @extschema@.target, @extschema@.sharing_rule,
               @extschema@.me, @extschema@.period, @extschema@.emc, @extschema@.emc_member,
               @extschema@.emc_contract, @extschema@.emc_tier IN SHARE MODE;
    LOCK TABLE @extschema@.closed_period IN SHARE ROW EXCLUSIVE MODE;

    SELECT pg_catalog.array_agg(m.me_id ORDER BY m.me_id) FILTER (WHERE c.me_id IS NULL),
           pg_catalog.array_agg(m.me_id ORDER BY m.me_id) FILTER (WHERE c.me_id IS NOT NULL)
      INTO closing, already
      FROM @extschema@.me m
      LEFT JOIN @extschema@.closed_period c
             ON c.me_id OPERATOR(pg_catalog.=) m.me_id AND c.period_id OPERATOR(pg_catalog.=) p_period
     WHERE p_me IS NULL OR m.me_id OPERATOR(pg_catalog.=) p_me;
    IF p_me IS NOT NULL AND already IS NOT NULL THEN
        RAISE EXCEPTION 'wwva.close_period: period "%" of ME "%" is already closed', p_period, p_me
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'wwva.closed_period and wwva.period_close_log say by whom and when; reopen it with a reason (wwva.reopen_period) to close it again.';
    END IF;
    IF already IS NOT NULL THEN
        RAISE NOTICE 'wwva.close_period: period "%" was already closed for % ME(s), left as they are: %',
            p_period, pg_catalog.cardinality(already), pg_catalog.array_to_string(already, ', ');
    END IF;
    IF closing IS NULL THEN
        RETURN 0;
    END IF;

    WITH versions AS (
        SELECT x.me_id, COALESCE((SELECT pg_catalog.max(l.version) FROM @extschema@.period_close_log l
                                   WHERE l.me_id OPERATOR(pg_catalog.=) x.me_id
                                     AND l.period_id OPERATOR(pg_catalog.=) p_period
                                     AND l.action OPERATOR(pg_catalog.=) 'close'), 0) OPERATOR(pg_catalog.+) 1 AS version
          FROM pg_catalog.unnest(closing) x(me_id)
    ), closed AS (
        INSERT INTO @extschema@.closed_period (me_id, period_id, version, closed_at, closed_by, note)
        SELECT v.me_id, p_period, v.version, pg_catalog.now(), caller, p_note FROM versions v
        RETURNING *
    ), logged AS (
        INSERT INTO @extschema@.period_close_log (me_id, period_id, action, version, logged_at,
                                                  current_user_name, session_user_name, note)
        SELECT c.me_id, c.period_id, 'close', c.version, c.closed_at, caller, session_user, c.note
          FROM closed c
    )
    INSERT INTO @extschema@.published_statement
    SELECT s.me_id, s.period_id, s.line, s.item, s.unit, s.actual, s.target, s.variance, s.achievement,
           s.line_no, s.period_no, s.starts_on, s.ends_on, s.calendar, c.version, c.closed_at, caller
      FROM @extschema@.statement s
      JOIN closed c ON c.me_id OPERATOR(pg_catalog.=) s.me_id
     WHERE s.period_id OPERATOR(pg_catalog.=) p_period AND s.me_id OPERATOR(pg_catalog.=) ANY (closing);
    GET DIAGNOSTICS n = ROW_COUNT;

    -- the EMC periods this close completes, found one EMC at a time (on
    -- Citus no query of a reference table may call a function that
    -- queries one)
    FOR emc IN SELECT DISTINCT m.emc_id FROM @extschema@.emc_member m
                WHERE m.kind OPERATOR(pg_catalog.=) 'me' AND m.member_id OPERATOR(pg_catalog.=) ANY (closing) LOOP
        IF wwva_internal.closed_emc_period(emc, p_period) THEN
            completed := completed OPERATOR(pg_catalog.||) emc;
        END IF;
    END LOOP;
    INSERT INTO @extschema@.published_emc_shares
    SELECT s.emc_id, s.period_id, s.member_id, s.kind, s.share, s.member_label, s.period_no,
           s.starts_on, s.ends_on, s.calendar, p.value_added, p.pool, p.leading_target,
           COALESCE((SELECT pg_catalog.max(x.version) FROM @extschema@.published_emc_shares x
                      WHERE x.emc_id OPERATOR(pg_catalog.=) s.emc_id
                        AND x.period_id OPERATOR(pg_catalog.=) p_period), 0) OPERATOR(pg_catalog.+) 1,
           pg_catalog.now(), caller
      FROM @extschema@.emc_shares s
      JOIN @extschema@.emc_pools p ON p.emc_id OPERATOR(pg_catalog.=) s.emc_id AND p.period_id OPERATOR(pg_catalog.=) s.period_id
     WHERE s.period_id OPERATOR(pg_catalog.=) p_period AND s.emc_id OPERATOR(pg_catalog.=) ANY (completed);
    RETURN pg_catalog.cardinality(closing);
END
$$;
COMMENT ON FUNCTION @extschema@.close_period(text, text, text) IS
'Closes a period (of any calendar) for an ME, or for every ME not yet closed when me_id is NULL: waits for the writers in flight, publishes the ME-period''s statement (wwva.published_statement) and the shares of every EMC period it completes (wwva.published_emc_shares) as a new version, and logs the close. From then on the rows, targets, rules and settings of that statement refuse every change. Returns how many MEs it closed the period for.';
REVOKE EXECUTE ON FUNCTION @extschema@.close_period(text, text, text) FROM PUBLIC;

CREATE FUNCTION @extschema@.reopen_period(period_id text, me_id text DEFAULT NULL, reason text DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    p_period ALIAS FOR period_id;
    p_me ALIAS FOR me_id;
    caller name := wwva_internal.calling_role();
    n integer;
BEGIN
    IF reason IS NULL OR pg_catalog.btrim(reason) OPERATOR(pg_catalog.=) '' THEN
        RAISE EXCEPTION 'wwva.reopen_period: reopening period "%" needs a reason', p_period
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Say why, for the log: wwva.reopen_period(''2024-03'', ''me01'', reason => ''late supplier invoice'').';
    END IF;
    LOCK TABLE @extschema@.closed_period IN SHARE ROW EXCLUSIVE MODE;
    WITH reopened AS (
        DELETE FROM @extschema@.closed_period c
         WHERE c.period_id OPERATOR(pg_catalog.=) p_period
           AND (p_me IS NULL OR c.me_id OPERATOR(pg_catalog.=) p_me)
        RETURNING c.me_id, c.period_id, c.version
    )
    INSERT INTO @extschema@.period_close_log (me_id, period_id, action, version, logged_at,
                                              current_user_name, session_user_name, note)
    SELECT r.me_id, r.period_id, 'reopen', r.version, pg_catalog.now(), caller, session_user, reason
      FROM reopened r;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n OPERATOR(pg_catalog.=) 0 THEN
        RAISE EXCEPTION 'wwva.reopen_period: period "%" is not closed%', p_period,
            CASE WHEN p_me IS NULL THEN ' for any ME' ELSE ' for ME "' OPERATOR(pg_catalog.||) p_me OPERATOR(pg_catalog.||) '"' END
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'wwva.closed_period lists the closed ME-periods.';
    END IF;
    RETURN n;
END
$$;
COMMENT ON FUNCTION @extschema@.reopen_period(text, text, text) IS
'Reopens a closed period for an ME (every ME that has it closed when me_id is NULL), with a reason, which the log keeps: its rows and settings can change again, and the next close publishes a new version. Returns how many MEs it reopened the period for.';
REVOKE EXECUTE ON FUNCTION @extschema@.reopen_period(text, text, text) FROM PUBLIC;

-- A reversal is a posting like any other, checked as any other (its day
-- must be in an open period); it names the posting it negates.
CREATE FUNCTION wwva_internal.reversal_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    original record;
BEGIN
    -- the row lock queues two reversals of one posting: the second sees the first
    SELECT l.* INTO original FROM @extschema@.ledger l
     WHERE l.entry_id OPERATOR(pg_catalog.=) NEW.reverses_entry_id AND l.me_id OPERATOR(pg_catalog.=) NEW.me_id
       FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'wwva.ledger entry % (ME "%") reverses entry %, which is no posting of the ME',
            NEW.entry_id, NEW.me_id, NEW.reverses_entry_id
            USING ERRCODE = 'foreign_key_violation',
                  HINT = 'reverses_entry_id names the posting a reversal negates, of the same ME; wwva.reverse_entry(entry_id, booked_on, reason) writes the reversal for you.';
    END IF;
    IF original.reverses_entry_id IS NOT NULL THEN
        RAISE EXCEPTION 'wwva.ledger entry % (ME "%") cannot reverse entry %: that entry is itself the reversal of entry %',
            NEW.entry_id, NEW.me_id, original.entry_id, original.reverses_entry_id
            USING ERRCODE = 'check_violation',
                  HINT = 'A reversal is not reversed: post a new entry with the amount you mean.';
    END IF;
    IF EXISTS (SELECT FROM @extschema@.ledger l
                WHERE l.me_id OPERATOR(pg_catalog.=) NEW.me_id
                  AND l.reverses_entry_id OPERATOR(pg_catalog.=) NEW.reverses_entry_id
                  AND l.entry_id OPERATOR(pg_catalog.<>) NEW.entry_id) THEN
        RAISE EXCEPTION 'wwva.ledger entry % (ME "%") cannot reverse entry %: it is already reversed',
            NEW.entry_id, NEW.me_id, NEW.reverses_entry_id
            USING ERRCODE = 'unique_violation',
                  HINT = 'A posting is reversed once: SELECT * FROM wwva.ledger WHERE reverses_entry_id = ... shows its reversal.';
    END IF;
    IF (NEW.amount, NEW.stream, NEW.kind, NEW.behavior)
       IS DISTINCT FROM (OPERATOR(pg_catalog.-) original.amount, original.stream, original.kind, original.behavior) THEN
        RAISE EXCEPTION 'wwva.ledger entry % (ME "%") is no exact negation of entry %: % % % % against % % % %',
            NEW.entry_id, NEW.me_id, original.entry_id, NEW.amount, NEW.stream, NEW.kind, COALESCE(NEW.behavior, '-'),
            original.amount, original.stream, original.kind, COALESCE(original.behavior, '-')
            USING ERRCODE = 'check_violation',
                  HINT = 'A reversal has the negated amount and the stream, kind and behavior of the posting it reverses.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION wwva_internal.reversal_check() IS
'Trigger: a posting with reverses_entry_id is the exact negation of a posting of the same ME that is neither a reversal nor reversed already.';
CREATE TRIGGER reversal_check BEFORE INSERT OR UPDATE OF reverses_entry_id, amount, stream, kind, behavior
    ON @extschema@.ledger
    FOR EACH ROW WHEN (NEW.reverses_entry_id IS NOT NULL)
    EXECUTE FUNCTION wwva_internal.reversal_check();

CREATE FUNCTION @extschema@.reverse_entry(entry_id bigint, booked_on date, reason text)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    p_entry ALIAS FOR entry_id;
    p_day ALIAS FOR booked_on;
    original @extschema@.ledger;
    reversal bigint;
BEGIN
    IF reason IS NULL OR pg_catalog.btrim(reason) OPERATOR(pg_catalog.=) '' THEN
        RAISE EXCEPTION 'wwva.reverse_entry: reversing entry % needs a reason', p_entry
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Say why, for the books: wwva.reverse_entry(17, ''2024-04-01'', ''duplicate invoice'').';
    END IF;
    SELECT l.* INTO original FROM @extschema@.ledger l WHERE l.entry_id OPERATOR(pg_catalog.=) p_entry;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'wwva.reverse_entry: no posting has entry_id %', p_entry
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give the entry_id of a posting in wwva.ledger that you can see.';
    END IF;
    IF EXISTS (SELECT FROM @extschema@.ledger l
                WHERE l.me_id OPERATOR(pg_catalog.=) original.me_id
                  AND l.reverses_entry_id OPERATOR(pg_catalog.=) p_entry) THEN
        RAISE EXCEPTION 'wwva.reverse_entry: entry % is already reversed', p_entry
            USING ERRCODE = 'unique_violation',
                  HINT = 'SELECT * FROM wwva.ledger WHERE reverses_entry_id = ... shows its reversal.';
    END IF;
    INSERT INTO @extschema@.ledger (me_id, booked_on, stream, kind, behavior, amount, category,
                                    user_id, partner_id, memo, reverses_entry_id)
    VALUES (original.me_id, p_day, original.stream, original.kind, original.behavior,
            OPERATOR(pg_catalog.-) original.amount, original.category, original.user_id,
            original.partner_id, reason, p_entry)
    RETURNING ledger.entry_id INTO reversal;
    RETURN reversal;
END
$$;
COMMENT ON FUNCTION @extschema@.reverse_entry(bigint, date, text) IS
'Posts the exact negation of a posting on booked_on, which must be in an open period of its ME, linked to it (reverses_entry_id) with the reason in memo; returns the new entry_id. A reversal is not reversed, and a posting is reversed once. Runs as the caller, who needs INSERT on wwva.ledger.';

-- Trigger functions are executable by no one (sql/security.sql): PostgreSQL
-- calls them without that privilege.
REVOKE EXECUTE ON FUNCTION wwva_internal.closed_settings_check(), wwva_internal.closed_period_dates_check(),
                           wwva_internal.closed_emc_period_check(), wwva_internal.closed_emc_member_check(),
                           wwva_internal.closed_truncate_check(), wwva_internal.reversal_check() FROM PUBLIC;

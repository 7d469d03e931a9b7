-- ===========================================================================
-- Materialized statements for scheduled jobs and dashboards.
--
-- Writers leave a trace of every change in the same transaction as the
-- change itself: inserted postings and events as rows to add (pending_posting,
-- pending_event), anything else as a mark on the (ME, period) pairs to
-- recompute (pending_change).  A trace becomes visible exactly when its
-- change commits, however long the writer's transaction ran, so
-- wwva.refresh() never skips a late commit: it consumes the traces its
-- snapshot sees and reads the ledgers in that same snapshot.
--
-- The traces are unlogged, so writers and the refresh pay no WAL for them;
-- so is wwva_internal.materialized_figures, a cache the ledgers can always rebuild.
-- A crash (or a failover, or a restore) empties them, and with them the
-- row of wwva_internal.capture_intact: the next refresh sees that row missing and
-- rebuilds everything from the ledgers, which are crash-safe.  The
-- materialized statement itself is logged, and replicated to standbys.
--
-- wwva.refresh() keeps per ME and period the money sums and the exact user
-- state (wwva_internal.materialized_figures): an append costs the new rows, not the
-- period.  Lines of every pair it touched are rewritten in
-- wwva.materialized_statement, what dashboards read.
-- ===========================================================================

-- ---------------------------------------------------------------------------
-- Traces of changes not yet refreshed
-- ---------------------------------------------------------------------------
CREATE UNLOGGED TABLE wwva_internal.pending_posting (
    me_id     text NOT NULL,
    booked_on date NOT NULL,
    stream    text NOT NULL,
    kind      text NOT NULL,
    behavior  text,
    amount    numeric NOT NULL,
    logged_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE wwva_internal.pending_posting IS
'Ledger postings inserted, updated or deleted since the last wwva.refresh(), as amounts to add (a deleted posting is its negated amount). Filled by triggers on wwva.ledger; emptied by wwva.refresh().';
COMMENT ON COLUMN wwva_internal.pending_posting.logged_at IS 'Start of the writing transaction.';
COMMENT ON COLUMN wwva_internal.pending_posting.me_id IS 'ME of the posting.';
COMMENT ON COLUMN wwva_internal.pending_posting.booked_on IS 'Booking date of the posting.';
COMMENT ON COLUMN wwva_internal.pending_posting.stream IS 'Stream of the posting.';
COMMENT ON COLUMN wwva_internal.pending_posting.kind IS 'Kind of the posting.';
COMMENT ON COLUMN wwva_internal.pending_posting.behavior IS 'Cost behaviour of the posting.';
COMMENT ON COLUMN wwva_internal.pending_posting.amount IS 'Amount to add: the posting''s, negated when it was removed.';

CREATE UNLOGGED TABLE wwva_internal.pending_event (
    me_id       text NOT NULL,
    user_id     bigint NOT NULL,
    occurred_at timestamptz NOT NULL,
    kind        text NOT NULL,
    logged_at   timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE wwva_internal.pending_event IS
'User events inserted since the last wwva.refresh(). Filled by triggers on wwva.user_event; emptied by wwva.refresh().';
COMMENT ON COLUMN wwva_internal.pending_event.logged_at IS 'Start of the writing transaction.';
COMMENT ON COLUMN wwva_internal.pending_event.me_id IS 'ME of the event.';
COMMENT ON COLUMN wwva_internal.pending_event.user_id IS 'User of the event.';
COMMENT ON COLUMN wwva_internal.pending_event.occurred_at IS 'When the event happened.';
COMMENT ON COLUMN wwva_internal.pending_event.kind IS 'Kind of the event.';

CREATE UNLOGGED TABLE wwva_internal.pending_change (
    me_id     text,
    period_id text,
    first_day date,
    last_day  date,
    first_at  timestamptz,
    last_at   timestamptz,
    rebuild   boolean NOT NULL,
    source    text NOT NULL,
    logged_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE wwva_internal.pending_change IS
'Marks on (ME, period) pairs to recompute at the next wwva.refresh(): bulk inserts, updated or deleted events, and changes to MEs, periods, targets and sharing rules. Filled by triggers; emptied by wwva.refresh().';
COMMENT ON COLUMN wwva_internal.pending_change.me_id IS 'The ME; NULL for every ME.';
COMMENT ON COLUMN wwva_internal.pending_change.period_id IS 'The one period concerned, when known by name.';
COMMENT ON COLUMN wwva_internal.pending_change.first_day IS 'With last_day: the periods holding these booking dates.';
COMMENT ON COLUMN wwva_internal.pending_change.last_day IS 'See first_day.';
COMMENT ON COLUMN wwva_internal.pending_change.first_at IS 'With last_at: the periods holding these instants in the ME''s time zone. With no period, day or instant: every period.';
COMMENT ON COLUMN wwva_internal.pending_change.last_at IS 'See first_at.';
COMMENT ON COLUMN wwva_internal.pending_change.rebuild IS 'true: recompute the pairs from the ledgers; false: only their lines (targets, sharing rules).';
COMMENT ON COLUMN wwva_internal.pending_change.source IS 'The table whose change left the mark.';
COMMENT ON COLUMN wwva_internal.pending_change.logged_at IS 'Start of the writing transaction.';

CREATE UNLOGGED TABLE wwva_internal.capture_intact (
    intact boolean PRIMARY KEY CONSTRAINT capture_intact_one_row CHECK (intact)
);
COMMENT ON TABLE wwva_internal.capture_intact IS
'One row while the change traces (pending_posting, pending_event, pending_change) are complete. It is empty after CREATE EXTENSION, a crash, a failover or a restore, all of which lose traces; wwva.refresh() then rebuilds everything and puts the row back.';
COMMENT ON COLUMN wwva_internal.capture_intact.intact IS 'Always true: the table has one row or none.';

-- ---------------------------------------------------------------------------
-- What wwva.refresh() keeps
-- ---------------------------------------------------------------------------
CREATE UNLOGGED TABLE wwva_internal.materialized_figures (
    me_id                   text NOT NULL,
    period_no               integer NOT NULL,
    period_id               text NOT NULL,
    hardware_revenue        numeric NOT NULL,
    hardware_cost           numeric NOT NULL,
    hardware_variable_cost  numeric NOT NULL,
    ecosystem_revenue       numeric NOT NULL,
    ecosystem_cost          numeric NOT NULL,
    ecosystem_variable_cost numeric NOT NULL,
    interactive_users       bigint NOT NULL,
    active_users            bigint NOT NULL,
    lifetime_users          bigint NOT NULL,
    user_makers             bigint NOT NULL,
    users                   bytea,
    computed_at             timestamptz NOT NULL,
    PRIMARY KEY (me_id, period_no)
);
-- user states are mostly sorted hashes: compressing them costs more than it saves
ALTER TABLE wwva_internal.materialized_figures ALTER COLUMN users SET STORAGE EXTERNAL;
COMMENT ON TABLE wwva_internal.materialized_figures IS
'Per ME and period, what wwva.refresh() keeps to update wwva.materialized_statement from new rows alone: the money sums (as wwva.money_figures), the section 1 counts (as wwva.user_figures) and the exact set of users behind them. Unlogged: a crash empties it, and the next refresh rebuilds it.';
COMMENT ON COLUMN wwva_internal.materialized_figures.period_no IS 'Period position (wwva.period_calendar.period_no).';
COMMENT ON COLUMN wwva_internal.materialized_figures.me_id IS 'ME.';
COMMENT ON COLUMN wwva_internal.materialized_figures.period_id IS 'Period.';
COMMENT ON COLUMN wwva_internal.materialized_figures.hardware_revenue IS 'As in wwva.money_figures.';
COMMENT ON COLUMN wwva_internal.materialized_figures.hardware_cost IS 'As in wwva.money_figures.';
COMMENT ON COLUMN wwva_internal.materialized_figures.hardware_variable_cost IS 'As in wwva.money_figures.';
COMMENT ON COLUMN wwva_internal.materialized_figures.ecosystem_revenue IS 'As in wwva.money_figures.';
COMMENT ON COLUMN wwva_internal.materialized_figures.ecosystem_cost IS 'As in wwva.money_figures.';
COMMENT ON COLUMN wwva_internal.materialized_figures.ecosystem_variable_cost IS 'As in wwva.money_figures.';
COMMENT ON COLUMN wwva_internal.materialized_figures.interactive_users IS 'As in wwva.user_figures.';
COMMENT ON COLUMN wwva_internal.materialized_figures.active_users IS 'As in wwva.user_figures.';
COMMENT ON COLUMN wwva_internal.materialized_figures.lifetime_users IS 'As in wwva.user_figures.';
COMMENT ON COLUMN wwva_internal.materialized_figures.user_makers IS 'As in wwva.user_figures.';
COMMENT ON COLUMN wwva_internal.materialized_figures.users IS
'The users of the pair as a wwva.user_resource_state value; NULL when it has no events.';
COMMENT ON COLUMN wwva_internal.materialized_figures.computed_at IS 'Start of the transaction of the refresh that last changed the row.';

CREATE TABLE @extschema@.materialized_statement (
    me_id       text NOT NULL,
    period_id   text NOT NULL,
    line        text NOT NULL,
    item        text NOT NULL,
    unit        text NOT NULL,
    actual      numeric,
    target      numeric,
    variance    numeric,
    achievement numeric,
    line_no     integer NOT NULL,
    computed_at timestamptz NOT NULL,
    PRIMARY KEY (me_id, period_id, line_no)
);
COMMENT ON TABLE @extschema@.materialized_statement IS
'wwva.statement as of the last wwva.refresh(), one row per ME, period and Table 2 line, plus when it was computed: what dashboards read. Written only by wwva.refresh().';
COMMENT ON COLUMN @extschema@.materialized_statement.computed_at IS
'Start of the transaction of the refresh that computed the line.';
COMMENT ON COLUMN @extschema@.materialized_statement.me_id IS 'As in wwva.statement.';
COMMENT ON COLUMN @extschema@.materialized_statement.period_id IS 'As in wwva.statement.';
COMMENT ON COLUMN @extschema@.materialized_statement.line IS 'As in wwva.statement.';
COMMENT ON COLUMN @extschema@.materialized_statement.item IS 'As in wwva.statement.';
COMMENT ON COLUMN @extschema@.materialized_statement.unit IS 'As in wwva.statement.';
COMMENT ON COLUMN @extschema@.materialized_statement.actual IS 'As in wwva.statement.';
COMMENT ON COLUMN @extschema@.materialized_statement.target IS 'As in wwva.statement.';
COMMENT ON COLUMN @extschema@.materialized_statement.variance IS 'As in wwva.statement.';
COMMENT ON COLUMN @extschema@.materialized_statement.achievement IS 'As in wwva.statement.';
COMMENT ON COLUMN @extschema@.materialized_statement.line_no IS 'As in wwva.statement.';

-- The pairs one refresh works on; empty between refreshes.
CREATE UNLOGGED TABLE wwva_internal.refresh_work (
    me_id                   text NOT NULL,
    period_no               integer NOT NULL,
    rebuild                 boolean NOT NULL DEFAULT false,
    money_changed           boolean NOT NULL DEFAULT false,
    users_changed           boolean NOT NULL DEFAULT false,
    recount                 boolean NOT NULL DEFAULT false,
    hardware_revenue        numeric,
    hardware_cost           numeric,
    hardware_variable_cost  numeric,
    ecosystem_revenue       numeric,
    ecosystem_cost          numeric,
    ecosystem_variable_cost numeric,
    users                   bytea,
    PRIMARY KEY (me_id, period_no)
);
ALTER TABLE wwva_internal.refresh_work ALTER COLUMN users SET STORAGE EXTERNAL;
COMMENT ON TABLE wwva_internal.refresh_work IS
'Internal to wwva.refresh(): the (ME, period) pairs of the running refresh and what changed in each. Empty outside it.';
COMMENT ON COLUMN wwva_internal.refresh_work.me_id IS 'ME.';
COMMENT ON COLUMN wwva_internal.refresh_work.period_no IS 'Period position.';
COMMENT ON COLUMN wwva_internal.refresh_work.rebuild IS 'Recompute the pair from the ledgers.';
COMMENT ON COLUMN wwva_internal.refresh_work.money_changed IS 'The sums below are to be added to the stored ones.';
COMMENT ON COLUMN wwva_internal.refresh_work.users_changed IS 'users is to be merged into the stored state.';
COMMENT ON COLUMN wwva_internal.refresh_work.recount IS 'Recount the section 1 figures (its users or an earlier period''s changed).';
COMMENT ON COLUMN wwva_internal.refresh_work.hardware_revenue IS 'New or rebuilt sum.';
COMMENT ON COLUMN wwva_internal.refresh_work.hardware_cost IS 'New or rebuilt sum.';
COMMENT ON COLUMN wwva_internal.refresh_work.hardware_variable_cost IS 'New or rebuilt sum.';
COMMENT ON COLUMN wwva_internal.refresh_work.ecosystem_revenue IS 'New or rebuilt sum.';
COMMENT ON COLUMN wwva_internal.refresh_work.ecosystem_cost IS 'New or rebuilt sum.';
COMMENT ON COLUMN wwva_internal.refresh_work.ecosystem_variable_cost IS 'New or rebuilt sum.';
COMMENT ON COLUMN wwva_internal.refresh_work.users IS 'State of the new events.';

CREATE TABLE wwva_internal.refresh_run (
    run_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at    timestamptz NOT NULL,
    finished_at   timestamptz NOT NULL,
    pairs         integer NOT NULL,
    rebuilt_pairs integer NOT NULL,
    batches       integer NOT NULL,
    postings      bigint NOT NULL,
    events        bigint NOT NULL,
    changes       bigint NOT NULL
);
COMMENT ON TABLE wwva_internal.refresh_run IS
'One row per completed wwva.refresh(), the last 1000 kept.';
COMMENT ON COLUMN wwva_internal.refresh_run.run_id IS 'Order of the runs.';
COMMENT ON COLUMN wwva_internal.refresh_run.started_at IS 'When the refresh was called.';
COMMENT ON COLUMN wwva_internal.refresh_run.finished_at IS 'When it was done (clock time, before its commit).';
COMMENT ON COLUMN wwva_internal.refresh_run.pairs IS '(ME, period) pairs whose lines were recomputed.';
COMMENT ON COLUMN wwva_internal.refresh_run.rebuilt_pairs IS 'Of those, pairs recomputed from the ledgers rather than from their new rows.';
COMMENT ON COLUMN wwva_internal.refresh_run.batches IS 'Batches the pairs were written in.';
COMMENT ON COLUMN wwva_internal.refresh_run.postings IS 'Pending postings consumed.';
COMMENT ON COLUMN wwva_internal.refresh_run.events IS 'Pending events consumed.';
COMMENT ON COLUMN wwva_internal.refresh_run.changes IS 'Pending change marks consumed.';

-- ---------------------------------------------------------------------------
-- Stored user states: keep, merge, split and count them
-- ---------------------------------------------------------------------------
CREATE AGGREGATE @extschema@.user_resource_state(
    me_id text, user_id bigint, kind text, occurred_at timestamptz,
    calendar @extschema@.calendar) (
    SFUNC = @extschema@.me_user_counts_transition,
    STYPE = internal,
    SSPACE = 65536,
    COMBINEFUNC = @extschema@.user_counts_combine,
    SERIALFUNC = @extschema@.user_counts_serialize,
    DESERIALFUNC = @extschema@.user_counts_deserialize,
    FINALFUNC = @extschema@.user_counts_serialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.user_resource_state(text, bigint, text, timestamptz, @extschema@.calendar) IS
'The exact users behind section 1 of every ME and period of the events, as a value to store or ship: each user''s transaction count and whether it interacted or co-created, and the customization count per pair. Combine with wwva.user_resource_state(bytea); count with wwva.user_resource_state_counts.';

CREATE FUNCTION @extschema@.user_state_union_transition(internal, bytea)
RETURNS internal AS 'MODULE_PATHNAME', 'wwva_user_state_union_transition'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.user_state_union_transition(internal, bytea) IS
'Support function of the wwva.user_resource_state(bytea) aggregate.';

CREATE AGGREGATE @extschema@.user_resource_state(state bytea) (
    SFUNC = @extschema@.user_state_union_transition,
    STYPE = internal,
    SSPACE = 65536,
    COMBINEFUNC = @extschema@.user_counts_combine,
    SERIALFUNC = @extschema@.user_counts_serialize,
    DESERIALFUNC = @extschema@.user_counts_deserialize,
    FINALFUNC = @extschema@.user_counts_serialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.user_resource_state(bytea) IS
'The union of user resource states (of other MEs, periods or rows, say from several shards): the state their events together would give. NULLs are skipped.';

CREATE FUNCTION @extschema@.user_resource_state_counts(state bytea)
RETURNS @extschema@.me_user_resource_counts[]
AS 'MODULE_PATHNAME', 'wwva_user_state_counts'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.user_resource_state_counts(bytea) IS
'Section 1 counts of every ME and period in a user resource state, as wwva.user_resource_counts(me_id, ...) would give for its events. Lifetime users count only the earlier periods the state holds.';

CREATE FUNCTION @extschema@.user_resource_state_pairs(state bytea,
                                                      OUT me_id text, OUT period_no integer,
                                                      OUT users bytea)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'wwva_user_state_pairs'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.user_resource_state_pairs(bytea) IS
'A user resource state cut into one state per ME and period, in me_id and period order.';

-- ---------------------------------------------------------------------------
-- Capturing changes
-- ---------------------------------------------------------------------------
-- Statement triggers with transition tables: one INSERT ... SELECT per
-- writing statement, not a trigger call per row.
--
-- The three capture functions are SECURITY DEFINER, the one place wwva
-- uses it: the traces must be written on every writer's behalf, yet no
-- writer may write one itself (a trace the ledgers do not back would
-- forge the materialized statement).  As PostgreSQL's "Writing SECURITY
-- DEFINER Functions Safely" asks, they are owned by the extension's owner,
-- pin search_path to pg_catalog, pg_temp (and qualify every table), are
-- executable by no one (a trigger fires without that privilege; without
-- it no one can attach them to a table of their own), and do nothing but
-- copy the rows of the statement that fired them into the traces.
--
-- A statement of more rows than wwva.capture_row_limit marks its pairs for
-- a rebuild instead: reading them back from the ledgers is then cheaper
-- than keeping a copy.
CREATE FUNCTION @extschema@.capture_row_limit() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT COALESCE(NULLIF(current_setting('wwva.capture_row_limit', true), '')::bigint, 1000000) $$;
COMMENT ON FUNCTION @extschema@.capture_row_limit() IS
'The setting wwva.capture_row_limit (default 1000000): a writing statement with more rows marks its pairs for a rebuild instead of copying its rows.';

CREATE FUNCTION wwva_internal.capture_postings() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    bulk boolean;
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        bulk := (SELECT count(*) FROM new_rows) > @extschema@.capture_row_limit();
        IF bulk THEN
            INSERT INTO wwva_internal.pending_change (me_id, first_day, last_day, rebuild, source)
            SELECT n.me_id, min(n.booked_on), max(n.booked_on), true, 'ledger'
              FROM new_rows n GROUP BY n.me_id;
        ELSE
            INSERT INTO wwva_internal.pending_posting (me_id, booked_on, stream, kind, behavior, amount)
            SELECT n.me_id, n.booked_on, n.stream, n.kind, n.behavior, n.amount FROM new_rows n;
        END IF;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        bulk := (SELECT count(*) FROM old_rows) > @extschema@.capture_row_limit();
        IF bulk THEN
            INSERT INTO wwva_internal.pending_change (me_id, first_day, last_day, rebuild, source)
            SELECT o.me_id, min(o.booked_on), max(o.booked_on), true, 'ledger'
              FROM old_rows o GROUP BY o.me_id;
        ELSE
            INSERT INTO wwva_internal.pending_posting (me_id, booked_on, stream, kind, behavior, amount)
            SELECT o.me_id, o.booked_on, o.stream, o.kind, o.behavior, -o.amount FROM old_rows o;
        END IF;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION wwva_internal.capture_postings() IS
'Trigger: records the postings a statement inserted, updated or deleted in wwva_internal.pending_posting (or, for a bulk statement, marks their pairs in wwva_internal.pending_change).';

CREATE FUNCTION wwva_internal.capture_events() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- An event's user may be the only one of its kind in the pair: a
    -- removed event is recounted from the table, not subtracted.
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO wwva_internal.pending_change (me_id, first_at, last_at, rebuild, source)
        SELECT o.me_id, min(o.occurred_at), max(o.occurred_at), true, 'user_event'
          FROM old_rows o GROUP BY o.me_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        IF TG_OP = 'UPDATE' OR (SELECT count(*) FROM new_rows) > @extschema@.capture_row_limit() THEN
            INSERT INTO wwva_internal.pending_change (me_id, first_at, last_at, rebuild, source)
            SELECT n.me_id, min(n.occurred_at), max(n.occurred_at), true, 'user_event'
              FROM new_rows n GROUP BY n.me_id;
        ELSE
            INSERT INTO wwva_internal.pending_event (me_id, user_id, occurred_at, kind)
            SELECT n.me_id, n.user_id, n.occurred_at, n.kind FROM new_rows n;
        END IF;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION wwva_internal.capture_events() IS
'Trigger: records the events a statement inserted in wwva_internal.pending_event, and marks the pairs of updated or deleted events (or of a bulk insert) in wwva_internal.pending_change.';

CREATE FUNCTION wwva_internal.capture_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_LEVEL = 'STATEMENT' THEN
        -- periods renumber every pair; a TRUNCATE empties every pair
        INSERT INTO wwva_internal.pending_change (rebuild, source)
        VALUES (TG_TABLE_NAME IN ('period', 'ledger', 'user_event'), TG_TABLE_NAME);
    ELSIF TG_TABLE_NAME = 'me' THEN
        IF TG_OP = 'UPDATE' AND NOT (OLD.me_id, OLD.timezone, OLD.active_min_transactions,
                                     OLD.lifetime_periods, OLD.currency)
                                IS DISTINCT FROM
                                    (NEW.me_id, NEW.timezone, NEW.active_min_transactions,
                                     NEW.lifetime_periods, NEW.currency) THEN
            RETURN NULL;
        END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            INSERT INTO wwva_internal.pending_change (me_id, rebuild, source) VALUES (OLD.me_id, true, 'me');
        END IF;
        -- An ME leaves or changes id only without postings and events
        -- (wwva.me_check), so its waiting rows add up to nothing: dropping
        -- them keeps every waiting row's ME known to the refresh.
        IF TG_OP = 'DELETE' OR OLD.me_id IS DISTINCT FROM NEW.me_id THEN
            DELETE FROM wwva_internal.pending_posting WHERE me_id = OLD.me_id;
            DELETE FROM wwva_internal.pending_event WHERE me_id = OLD.me_id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO wwva_internal.pending_change (me_id, rebuild, source) VALUES (NEW.me_id, true, 'me');
        END IF;
    ELSIF TG_TABLE_NAME = 'target' THEN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            INSERT INTO wwva_internal.pending_change (me_id, period_id, rebuild, source)
            VALUES (OLD.me_id, OLD.period_id, false, 'target');
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO wwva_internal.pending_change (me_id, period_id, rebuild, source)
            VALUES (NEW.me_id, NEW.period_id, false, 'target');
        END IF;
    ELSE
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            INSERT INTO wwva_internal.pending_change (me_id, rebuild, source)
            VALUES (OLD.me_id, false, TG_TABLE_NAME);
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO wwva_internal.pending_change (me_id, rebuild, source)
            VALUES (NEW.me_id, false, TG_TABLE_NAME);
        END IF;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION wwva_internal.capture_change() IS
'Trigger: marks in wwva_internal.pending_change the pairs a change to an ME, the periods, a target or a sharing rule, or a TRUNCATE, affects.';

CREATE TRIGGER capture_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.period
    FOR EACH STATEMENT EXECUTE FUNCTION wwva_internal.capture_change();
CREATE TRIGGER capture_change AFTER INSERT OR UPDATE OR DELETE ON @extschema@.me
    FOR EACH ROW EXECUTE FUNCTION wwva_internal.capture_change();
CREATE TRIGGER capture_truncate AFTER TRUNCATE ON @extschema@.me
    FOR EACH STATEMENT EXECUTE FUNCTION wwva_internal.capture_change();
CREATE TRIGGER capture_change AFTER INSERT OR UPDATE OR DELETE ON @extschema@.target
    FOR EACH ROW EXECUTE FUNCTION wwva_internal.capture_change();
CREATE TRIGGER capture_truncate AFTER TRUNCATE ON @extschema@.target
    FOR EACH STATEMENT EXECUTE FUNCTION wwva_internal.capture_change();
CREATE TRIGGER capture_change AFTER INSERT OR UPDATE OR DELETE ON @extschema@.sharing_rule
    FOR EACH ROW EXECUTE FUNCTION wwva_internal.capture_change();
CREATE TRIGGER capture_truncate AFTER TRUNCATE ON @extschema@.sharing_rule
    FOR EACH STATEMENT EXECUTE FUNCTION wwva_internal.capture_change();

-- ---------------------------------------------------------------------------
-- The refresh
-- ---------------------------------------------------------------------------
CREATE FUNCTION @extschema@.refresh(batch_size integer DEFAULT 100)
RETURNS bigint
AS 'MODULE_PATHNAME', 'wwva_refresh'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.refresh(integer) IS
'Brings wwva.materialized_statement up to date with every change committed before it started: recomputes the (ME, period) pairs that changed (from their new rows where it can) and returns how many. Safe beside writers and beside itself (a second refresh waits for the first). Writes batch_size MEs at a time, with a NOTICE per batch. Needs READ COMMITTED and a role that sees every ledger row.';

-- ---------------------------------------------------------------------------
-- How fresh is it?
-- ---------------------------------------------------------------------------
CREATE VIEW @extschema@.refresh_run AS
SELECT r.run_id, r.started_at, r.finished_at, r.pairs, r.rebuilt_pairs, r.batches,
       r.postings, r.events, r.changes
  FROM wwva_internal.refresh_run r;
COMMENT ON VIEW @extschema@.refresh_run IS
'One row per completed wwva.refresh(), the last 1000 kept. Like the other status views it reads wwva_internal, so only the extension''s owner (the refresh''s role) may query it: the volumes are the whole group''s.';
COMMENT ON COLUMN @extschema@.refresh_run.run_id IS 'Order of the runs.';
COMMENT ON COLUMN @extschema@.refresh_run.started_at IS 'When the refresh was called.';
COMMENT ON COLUMN @extschema@.refresh_run.finished_at IS 'When it was done (clock time, before its commit).';
COMMENT ON COLUMN @extschema@.refresh_run.pairs IS '(ME, period) pairs whose lines were recomputed.';
COMMENT ON COLUMN @extschema@.refresh_run.rebuilt_pairs IS 'Of those, pairs recomputed from the ledgers rather than from their new rows.';
COMMENT ON COLUMN @extschema@.refresh_run.batches IS 'Batches the pairs were written in.';
COMMENT ON COLUMN @extschema@.refresh_run.postings IS 'Pending postings consumed.';
COMMENT ON COLUMN @extschema@.refresh_run.events IS 'Pending events consumed.';
COMMENT ON COLUMN @extschema@.refresh_run.changes IS 'Pending change marks consumed.';

CREATE VIEW @extschema@.refresh_status AS
SELECT last.finished_at AS last_refresh_at,
       last.finished_at - last.started_at AS last_duration,
       last.pairs AS last_pairs,
       (SELECT count(*) FROM wwva_internal.pending_posting) AS pending_postings,
       (SELECT count(*) FROM wwva_internal.pending_event) AS pending_events,
       (SELECT count(*) FROM wwva_internal.pending_change) AS pending_changes,
       LEAST((SELECT min(p.logged_at) FROM wwva_internal.pending_posting p),
             (SELECT min(e.logged_at) FROM wwva_internal.pending_event e),
             (SELECT min(c.logged_at) FROM wwva_internal.pending_change c)) AS oldest_pending_at,
       (SELECT min(a.xact_start)
          FROM pg_catalog.pg_locks l
          JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'relation'
           AND l.relation = '@extschema@.materialized_statement'::regclass
           AND l.mode = 'ShareRowExclusiveLock'
           AND l.granted) AS running_since
  FROM (SELECT) AS one
  LEFT JOIN LATERAL (SELECT r.started_at, r.finished_at, r.pairs
                       FROM wwva_internal.refresh_run r
                      ORDER BY r.run_id DESC LIMIT 1) last ON true;
COMMENT ON VIEW @extschema@.refresh_status IS
'One row: the last refresh (when, how long, how many pairs), the changes waiting for the next one, and since when a refresh is running (NULL when none is).';
COMMENT ON COLUMN @extschema@.refresh_status.last_refresh_at IS 'When the last completed refresh finished.';
COMMENT ON COLUMN @extschema@.refresh_status.last_duration IS 'How long it took.';
COMMENT ON COLUMN @extschema@.refresh_status.last_pairs IS '(ME, period) pairs it recomputed.';
COMMENT ON COLUMN @extschema@.refresh_status.pending_postings IS 'Committed postings waiting for the next refresh.';
COMMENT ON COLUMN @extschema@.refresh_status.pending_events IS 'Committed events waiting for the next refresh.';
COMMENT ON COLUMN @extschema@.refresh_status.pending_changes IS 'Committed change marks waiting for the next refresh.';
COMMENT ON COLUMN @extschema@.refresh_status.oldest_pending_at IS 'When the oldest waiting change was made (its transaction''s start).';
COMMENT ON COLUMN @extschema@.refresh_status.running_since IS 'Start of the transaction of the refresh running now, if any.';

CREATE VIEW @extschema@.materialized_staleness AS
SELECT m.me_id,
       f.computed_at,
       COALESCE(p.pending, 0) AS pending,
       p.oldest_pending_at,
       COALESCE(pg_catalog.now() - p.oldest_pending_at, interval '0') AS stale_for,
       f.computed_at IS NOT NULL AND p.pending IS NULL AS up_to_date
  FROM @extschema@.me m
  LEFT JOIN (SELECT x.me_id, max(x.computed_at) AS computed_at
               FROM wwva_internal.materialized_figures x
              GROUP BY x.me_id) f ON f.me_id = m.me_id
  LEFT JOIN LATERAL (
        SELECT count(*) AS pending, min(q.logged_at) AS oldest_pending_at
          FROM (SELECT pp.logged_at FROM wwva_internal.pending_posting pp WHERE pp.me_id = m.me_id
                UNION ALL
                SELECT pe.logged_at FROM wwva_internal.pending_event pe WHERE pe.me_id = m.me_id
                UNION ALL
                SELECT pc.logged_at FROM wwva_internal.pending_change pc
                 WHERE pc.me_id = m.me_id OR pc.me_id IS NULL) q
        HAVING count(*) > 0) p ON true;
COMMENT ON VIEW @extschema@.materialized_staleness IS
'Per ME: when its materialized statement was last computed, how many committed changes wait for the next wwva.refresh(), and how long the oldest has waited.';
COMMENT ON COLUMN @extschema@.materialized_staleness.me_id IS 'ME.';
COMMENT ON COLUMN @extschema@.materialized_staleness.computed_at IS 'Latest computation of any of its pairs; NULL before the first refresh.';
COMMENT ON COLUMN @extschema@.materialized_staleness.pending IS 'Committed changes (postings, events, marks) not yet refreshed.';
COMMENT ON COLUMN @extschema@.materialized_staleness.oldest_pending_at IS 'When the oldest of them was made.';
COMMENT ON COLUMN @extschema@.materialized_staleness.stale_for IS 'now() - oldest_pending_at; 0 when nothing waits.';
COMMENT ON COLUMN @extschema@.materialized_staleness.up_to_date IS 'Computed, and nothing waits.';

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION wwva UPDATE TO '0.6.0'" to load this file. \quit

-- ===========================================================================
-- wwva 0.5.0 -> 0.6.0: what a hostile role could open is closed.
--
--   * schema wwva_internal, usable by the owner alone, takes the change
--     traces, the refresh's cache, working table and run log (moved, rows
--     and all; wwva.refresh_run becomes a view of the log);
--   * the capture triggers move there and become SECURITY DEFINER, so a
--     loader needs no grant on the traces: the grants the 0.5.0 README
--     asked for (INSERT on wwva.pending_*) are revoked, with every other;
--   * wwva.materialized_statement shows a reader the MEs it sees in wwva.me;
--   * every table partition of the ledgers has row-level security enabled,
--     now and (an event trigger) for partitions added later;
--   * trigger and aggregate support functions are executable by no one.
-- The C library's changes (trigger checks, bounded state readers,
-- cancellable loops) need nothing here.
-- ===========================================================================

CREATE SCHEMA wwva_internal;
COMMENT ON SCHEMA wwva_internal IS
'Internal to wwva: change traces, the refresh''s cache, working tables and run log, and the capture triggers. Only the extension''s owner may use it; grant nothing here.';
REVOKE ALL ON SCHEMA wwva_internal FROM PUBLIC;

ALTER TABLE wwva.pending_posting SET SCHEMA wwva_internal;
ALTER TABLE wwva.pending_event SET SCHEMA wwva_internal;
ALTER TABLE wwva.pending_change SET SCHEMA wwva_internal;
ALTER TABLE wwva.capture_intact SET SCHEMA wwva_internal;
ALTER TABLE wwva.materialized_figures SET SCHEMA wwva_internal;
ALTER TABLE wwva.refresh_work SET SCHEMA wwva_internal;
ALTER TABLE wwva.refresh_run SET SCHEMA wwva_internal;

-- Whatever was granted on the moved tables (loaders' INSERT on the
-- traces, analysts' SELECT from GRANT ... ON ALL TABLES) goes: only the
-- owner uses them now.
DO $$
DECLARE
    rel regclass;
    grantee text;
BEGIN
    FOR rel, grantee IN
        SELECT DISTINCT c.oid::regclass,
               CASE WHEN a.grantee OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC'
                    ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) END
          FROM pg_catalog.pg_class c
         CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) a
         WHERE c.relnamespace OPERATOR(pg_catalog.=) 'wwva_internal'::regnamespace
           AND a.grantee OPERATOR(pg_catalog.<>) c.relowner
    LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON %s FROM %s', rel, grantee);
    END LOOP;
END
$$;

COMMENT ON TABLE wwva_internal.refresh_run IS
'One row per completed wwva.refresh(), the last 1000 kept.';

CREATE VIEW wwva.refresh_run AS
SELECT r.run_id, r.started_at, r.finished_at, r.pairs, r.rebuilt_pairs, r.batches,
       r.postings, r.events, r.changes
  FROM wwva_internal.refresh_run r;
COMMENT ON VIEW wwva.refresh_run IS
'One row per completed wwva.refresh(), the last 1000 kept. Like the other status views it reads wwva_internal, so only the extension''s owner (the refresh''s role) may query it: the volumes are the whole group''s.';
COMMENT ON COLUMN wwva.refresh_run.run_id IS 'Order of the runs.';
COMMENT ON COLUMN wwva.refresh_run.started_at IS 'When the refresh was called.';
COMMENT ON COLUMN wwva.refresh_run.finished_at IS 'When it was done (clock time, before its commit).';
COMMENT ON COLUMN wwva.refresh_run.pairs IS '(ME, period) pairs whose lines were recomputed.';
COMMENT ON COLUMN wwva.refresh_run.rebuilt_pairs IS 'Of those, pairs recomputed from the ledgers rather than from their new rows.';
COMMENT ON COLUMN wwva.refresh_run.batches IS 'Batches the pairs were written in.';
COMMENT ON COLUMN wwva.refresh_run.postings IS 'Pending postings consumed.';
COMMENT ON COLUMN wwva.refresh_run.events IS 'Pending events consumed.';
COMMENT ON COLUMN wwva.refresh_run.changes IS 'Pending change marks consumed.';

-- refresh_status and materialized_staleness read the moved tables by
-- their identity and need no change.
DO $$
BEGIN
    IF pg_catalog.current_setting('server_version_num')::integer >= 150000 THEN
        ALTER VIEW wwva.refresh_run SET (security_invoker = true);
    END IF;
END
$$;

ALTER FUNCTION wwva.capture_postings() SET SCHEMA wwva_internal;
ALTER FUNCTION wwva.capture_events() SET SCHEMA wwva_internal;
ALTER FUNCTION wwva.capture_change() SET SCHEMA wwva_internal;

CREATE OR REPLACE FUNCTION wwva_internal.capture_postings() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    bulk boolean;
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        bulk := (SELECT count(*) FROM new_rows) > wwva.capture_row_limit();
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
        bulk := (SELECT count(*) FROM old_rows) > wwva.capture_row_limit();
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

CREATE OR REPLACE FUNCTION wwva_internal.capture_events() RETURNS trigger
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
        IF TG_OP = 'UPDATE' OR (SELECT count(*) FROM new_rows) > wwva.capture_row_limit() THEN
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

CREATE OR REPLACE FUNCTION wwva_internal.capture_change() RETURNS trigger
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

DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN
        SELECT p.oid::regprocedure
          FROM pg_catalog.pg_proc p
         WHERE p.pronamespace OPERATOR(pg_catalog.=) ANY
                   (ARRAY['wwva'::regnamespace, 'wwva_internal'::regnamespace])
           AND p.prokind OPERATOR(pg_catalog.=) 'f'
           AND (p.prorettype OPERATOR(pg_catalog.=) ANY
                    (ARRAY['pg_catalog.trigger'::regtype, 'pg_catalog.event_trigger'::regtype])
                OR EXISTS (SELECT FROM pg_catalog.pg_aggregate a
                            WHERE p.oid OPERATOR(pg_catalog.=) ANY
                                      (ARRAY[a.aggtransfn, a.aggfinalfn, a.aggcombinefn,
                                             a.aggserialfn, a.aggdeserialfn]::oid[])))
    LOOP
        EXECUTE pg_catalog.format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END
$$;

ALTER TABLE wwva.materialized_statement ENABLE ROW LEVEL SECURITY;
CREATE POLICY me_visible ON wwva.materialized_statement FOR SELECT
    USING (EXISTS (SELECT FROM wwva.me m
                    WHERE m.me_id OPERATOR(pg_catalog.=) materialized_statement.me_id));
COMMENT ON POLICY me_visible ON wwva.materialized_statement IS
'A reader sees the materialized lines of the MEs it can see in wwva.me: the policy on wwva.me governs the materialized statement as the ledgers'' policies govern the live one.';

ALTER TABLE wwva.ledger_default ENABLE ROW LEVEL SECURITY;
ALTER TABLE wwva.user_event_default ENABLE ROW LEVEL SECURITY;

CREATE FUNCTION wwva_internal.guard_ledger_partitions() RETURNS event_trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    part regclass;
BEGIN
    -- Partitions the DDL's role may alter: a DBA who adds one owns the
    -- ledgers, and so the partitions wwva made.  The ledgers are found in
    -- the catalog, not by name, so that roles without the use of schema
    -- wwva can still create tables of their own.
    FOR part IN
        SELECT t.relid
          FROM pg_catalog.pg_class root
          JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) root.relnamespace
         CROSS JOIN LATERAL pg_catalog.pg_partition_tree(root.oid) t
          JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) t.relid
         WHERE n.nspname OPERATOR(pg_catalog.=) 'wwva'
           AND root.relname OPERATOR(pg_catalog.=) ANY (ARRAY['ledger', 'user_event']::name[])
           AND t.level OPERATOR(pg_catalog.>) 0
           AND c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'p']::"char"[])
           AND NOT c.relrowsecurity
           AND pg_catalog.pg_has_role(c.relowner, 'USAGE')
    LOOP
        EXECUTE pg_catalog.format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', part);
    END LOOP;
END
$$;
COMMENT ON FUNCTION wwva_internal.guard_ledger_partitions() IS
'Event trigger: after CREATE TABLE, ALTER TABLE or CREATE SCHEMA (which may create tables), enables row-level security on every table partition of wwva.ledger and wwva.user_event that lacks it, so no partition shows its rows to a role the ledgers'' policies restrict.';
REVOKE EXECUTE ON FUNCTION wwva_internal.guard_ledger_partitions() FROM PUBLIC;
CREATE EVENT TRIGGER wwva_guard_ledger_partitions ON ddl_command_end
    WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE', 'CREATE SCHEMA')
    EXECUTE FUNCTION wwva_internal.guard_ledger_partitions();
COMMENT ON EVENT TRIGGER wwva_guard_ledger_partitions IS
'Keeps row-level security enabled on every table partition of wwva.ledger and wwva.user_event (wwva_internal.guard_ledger_partitions).';

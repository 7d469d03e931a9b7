-- ===========================================================================
-- Change capture: every write to the ledgers and the settings leaves a
-- trace in the same transaction, which wwva.refresh() (sql/materialize.sql)
-- consumes.  The traces are unlogged and out of users' hands in
-- wwva_internal; a crash empties them and the next refresh rebuilds.
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
CREATE FUNCTION wwva_internal.capture_row_limit() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT COALESCE(NULLIF(current_setting('wwva.capture_row_limit', true), '')::bigint, 1000000) $$;
COMMENT ON FUNCTION wwva_internal.capture_row_limit() IS
'The setting wwva.capture_row_limit (default 1000000): a writing statement with more rows marks its pairs for a rebuild instead of copying its rows.';
REVOKE EXECUTE ON FUNCTION wwva_internal.capture_row_limit() FROM PUBLIC;

-- A partition keeps the capture triggers when it is detached; what is
-- written into it then is no longer the ledgers'.
CREATE FUNCTION wwva_internal.in_ledgers(rel oid) RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT EXISTS (SELECT FROM pg_catalog.pg_partition_ancestors(rel) a
                WHERE a.relid OPERATOR(pg_catalog.=)
                      ANY (ARRAY['@extschema@.ledger'::regclass, '@extschema@.user_event'::regclass]))
$$;
COMMENT ON FUNCTION wwva_internal.in_ledgers(oid) IS
'Whether the table is wwva.ledger, wwva.user_event or one of their partitions (at any level).';
REVOKE EXECUTE ON FUNCTION wwva_internal.in_ledgers(oid) FROM PUBLIC;

CREATE FUNCTION wwva_internal.capture_postings() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    bulk boolean;
BEGIN
    IF NOT wwva_internal.in_ledgers(TG_RELID) THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        bulk := (SELECT count(*) FROM new_rows) > wwva_internal.capture_row_limit();
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
        bulk := (SELECT count(*) FROM old_rows) > wwva_internal.capture_row_limit();
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
    IF NOT wwva_internal.in_ledgers(TG_RELID) THEN
        RETURN NULL;
    END IF;
    -- An event's user may be the only one of its kind in the pair: a
    -- removed event is recounted from the table, not subtracted.
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO wwva_internal.pending_change (me_id, first_at, last_at, rebuild, source)
        SELECT o.me_id, min(o.occurred_at), max(o.occurred_at), true, 'user_event'
          FROM old_rows o GROUP BY o.me_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        IF TG_OP = 'UPDATE' OR (SELECT count(*) FROM new_rows) > wwva_internal.capture_row_limit() THEN
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
    -- only the extension's own tables: on a Citus worker the trigger also
    -- fires on their shards, whose changes no refresh there would read
    IF TG_RELID <> ALL (ARRAY['@extschema@.period'::regclass, '@extschema@.me'::regclass,
                              '@extschema@.target'::regclass, '@extschema@.sharing_rule'::regclass]::oid[])
       AND NOT wwva_internal.in_ledgers(TG_RELID) THEN
        RETURN NULL;
    END IF;
    IF TG_LEVEL = 'STATEMENT' THEN
        -- periods renumber every pair; a TRUNCATE of a ledger or of one
        -- of its partitions empties pairs
        IF TG_TABLE_NAME IN ('period', 'me', 'target', 'sharing_rule')
           OR wwva_internal.in_ledgers(TG_RELID) THEN
            INSERT INTO wwva_internal.pending_change (rebuild, source)
            VALUES (TG_TABLE_NAME NOT IN ('me', 'target', 'sharing_rule'), TG_TABLE_NAME);
        END IF;
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
        -- (wwva_internal.me_check), so its waiting rows add up to nothing: dropping
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
-- On the two large tables (0.4.0; on their partitioned parents since 0.5.0)
-- ---------------------------------------------------------------------------
-- Statement-level triggers on the parent see every row written through it,
-- whichever local partition the row lands in.  PostgreSQL cannot collect
-- transition rows from a foreign partition, so rows of an ME kept on a
-- shard are written on the shard (the row checks say so).  Rows written
-- straight into a local partition are captured by the same triggers on
-- the partition (0.8.0, below).
CREATE TRIGGER capture_insert AFTER INSERT ON @extschema@.ledger
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION wwva_internal.capture_postings();
CREATE TRIGGER capture_update AFTER UPDATE ON @extschema@.ledger
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION wwva_internal.capture_postings();
CREATE TRIGGER capture_delete AFTER DELETE ON @extschema@.ledger
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION wwva_internal.capture_postings();
CREATE TRIGGER capture_truncate AFTER TRUNCATE ON @extschema@.ledger
    FOR EACH STATEMENT EXECUTE FUNCTION wwva_internal.capture_change();

-- On Citus, writes to its tables run on the workers' shards: the
-- coordinator traces none, and the capture triggers skip the shards
-- (capture_change).  Citus's catalog exists only where it is installed,
-- hence the dynamic query.
CREATE FUNCTION wwva_internal.citus_tables() RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    found boolean;
BEGIN
    IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
        RETURN false;
    END IF;
    EXECUTE 'SELECT EXISTS (SELECT FROM pg_catalog.pg_dist_partition p
                             JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) p.logicalrelid
                            WHERE c.relnamespace OPERATOR(pg_catalog.=) $1)'
        INTO found USING '@extschema@'::regnamespace;
    RETURN found;
END
$$;
COMMENT ON FUNCTION wwva_internal.citus_tables() IS
'Whether a table of schema wwva is a Citus table (distributed or reference): its changes are then made on the workers, untraced here, and wwva.refresh() rewrites every pair.';
REVOKE EXECUTE ON FUNCTION wwva_internal.citus_tables() FROM PUBLIC;

CREATE TRIGGER capture_insert AFTER INSERT ON @extschema@.user_event
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION wwva_internal.capture_events();
CREATE TRIGGER capture_update AFTER UPDATE ON @extschema@.user_event
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION wwva_internal.capture_events();
CREATE TRIGGER capture_delete AFTER DELETE ON @extschema@.user_event
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION wwva_internal.capture_events();
CREATE TRIGGER capture_truncate AFTER TRUNCATE ON @extschema@.user_event
    FOR EACH STATEMENT EXECUTE FUNCTION wwva_internal.capture_change();

-- ---------------------------------------------------------------------------
-- On every local partition (0.8.0)
-- ---------------------------------------------------------------------------
-- A statement trigger fires only on the table the statement names: writes
-- through the parent fire the parent's, writes straight into a partition
-- (at any level) fire the partition's, so the same triggers on every
-- partition capture both and nothing twice.  wwva.refresh() adds them to
-- the partitions that lack them before it takes its snapshot, and rebuilds
-- everything when it did: what was written into a partition before it had
-- them was not captured.  It rebuilds everything too when a captured
-- partition was detached or dropped, which takes rows out untraced.  Not at CREATE TABLE, by the event trigger: a
-- restored dump creates a partition's triggers itself, after its rows.
CREATE UNLOGGED TABLE wwva_internal.captured_partition (
    relid oid PRIMARY KEY
);
COMMENT ON TABLE wwva_internal.captured_partition IS
'Local partitions of wwva.ledger and wwva.user_event whose writes the change traces hold: they carry the capture triggers since before the last refresh. wwva.refresh() adds the others and drops detached or dropped ones, rebuilding everything when it does either. Unlogged: a crash empties it with the traces.';
COMMENT ON COLUMN wwva_internal.captured_partition.relid IS 'The partition.';

CREATE FUNCTION wwva_internal.uncaptured_partitions()
RETURNS TABLE (part regclass, root regclass, is_foreign boolean)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT t.relid::regclass, r.root, c.relkind OPERATOR(pg_catalog.=) 'f'
  FROM pg_catalog.unnest(ARRAY['@extschema@.ledger'::regclass, '@extschema@.user_event'::regclass]) r(root)
 CROSS JOIN LATERAL pg_catalog.pg_partition_tree(r.root) t
  JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) t.relid
 WHERE t.level OPERATOR(pg_catalog.>) 0
   AND NOT EXISTS (SELECT FROM wwva_internal.captured_partition k
                    WHERE k.relid OPERATOR(pg_catalog.=) t.relid)
$$;
COMMENT ON FUNCTION wwva_internal.uncaptured_partitions() IS
'Partitions of wwva.ledger and wwva.user_event (foreign ones included) whose writes the change traces may lack: those not in wwva_internal.captured_partition.';
REVOKE EXECUTE ON FUNCTION wwva_internal.uncaptured_partitions() FROM PUBLIC;

CREATE FUNCTION wwva_internal.capture_partitions() RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    p record;
    missed bigint := 0;
BEGIN
    -- a partition detached or dropped took its rows out of the ledgers untraced
    DELETE FROM wwva_internal.captured_partition k WHERE NOT wwva_internal.in_ledgers(k.relid);
    GET DIAGNOSTICS missed = ROW_COUNT;
    FOR p IN SELECT * FROM wwva_internal.uncaptured_partitions() u WHERE NOT u.is_foreign LOOP
        missed := missed OPERATOR(pg_catalog.+) 1;
        -- a partition the refresh's role may not trigger stays uncaptured:
        -- every refresh rebuilds everything and says so
        CONTINUE WHEN NOT pg_catalog.has_table_privilege(p.part, 'TRIGGER');
        PERFORM wwva_internal.add_capture_triggers(p.part, p.root);
        INSERT INTO wwva_internal.captured_partition VALUES (p.part);
    END LOOP;
    RETURN missed;
END
$$;
COMMENT ON FUNCTION wwva_internal.capture_partitions() IS
'Run by wwva.refresh() before its snapshot: gives every local partition of the ledgers that lacks them the capture triggers, forgets detached and dropped partitions, and returns how many partitions came or went untraced since the last refresh (the refresh then rebuilds everything).';
REVOKE EXECUTE ON FUNCTION wwva_internal.capture_partitions() FROM PUBLIC;

CREATE FUNCTION wwva_internal.add_capture_triggers(part regclass, root regclass) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    fn text := CASE WHEN root OPERATOR(pg_catalog.=) '@extschema@.ledger'::regclass
                    THEN 'capture_postings' ELSE 'capture_events' END;
BEGIN
    -- OR REPLACE: a restored partition comes with its triggers
    EXECUTE pg_catalog.format('CREATE OR REPLACE TRIGGER capture_insert AFTER INSERT ON %s '
                              'REFERENCING NEW TABLE AS new_rows '
                              'FOR EACH STATEMENT EXECUTE FUNCTION wwva_internal.%I()', part, fn);
    EXECUTE pg_catalog.format('CREATE OR REPLACE TRIGGER capture_update AFTER UPDATE ON %s '
                              'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                              'FOR EACH STATEMENT EXECUTE FUNCTION wwva_internal.%I()', part, fn);
    EXECUTE pg_catalog.format('CREATE OR REPLACE TRIGGER capture_delete AFTER DELETE ON %s '
                              'REFERENCING OLD TABLE AS old_rows '
                              'FOR EACH STATEMENT EXECUTE FUNCTION wwva_internal.%I()', part, fn);
    EXECUTE pg_catalog.format('CREATE OR REPLACE TRIGGER capture_truncate AFTER TRUNCATE ON %s '
                              'FOR EACH STATEMENT EXECUTE FUNCTION wwva_internal.capture_change()', part);
END
$$;
COMMENT ON FUNCTION wwva_internal.add_capture_triggers(regclass, regclass) IS
'Gives a partition of wwva.ledger or wwva.user_event (root) the statement-level capture triggers of its root.';
REVOKE EXECUTE ON FUNCTION wwva_internal.add_capture_triggers(regclass, regclass) FROM PUBLIC;

-- The partitions wwva makes get theirs now (they belong to the extension,
-- so a dump does not carry their triggers).
SELECT wwva_internal.capture_partitions();

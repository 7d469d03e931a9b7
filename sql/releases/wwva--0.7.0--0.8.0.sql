-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION wwva UPDATE TO '0.8.0'" to load this file. \quit

-- ===========================================================================
-- wwva 0.7.0 -> 0.8.0, written by hand: what BI tools, careless analysts and
-- DBAs tripped over (issue 15).  Each part below says what it changes.
-- ===========================================================================

-- ---------------------------------------------------------------------------
-- Issue 15, findings 10-12 (materialized statement): writes straight into a
-- partition are captured, the status views say when the traces cannot be
-- trusted, a refresh writes only the lines that changed and queues on
-- wwva_internal.refresh_lock instead of locking wwva.materialized_statement
-- (which kept autovacuum out).
-- ---------------------------------------------------------------------------
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

CREATE OR REPLACE FUNCTION wwva_internal.capture_postings() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    bulk boolean;
BEGIN
    IF NOT wwva_internal.in_ledgers(TG_RELID) THEN
        RETURN NULL;
    END IF;
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

CREATE OR REPLACE FUNCTION wwva_internal.capture_events() RETURNS trigger
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

CREATE OR REPLACE FUNCTION wwva_internal.capture_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
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

-- Every local partition gets them now, the ones users made too; what was
-- written straight into a partition before was never captured, so the
-- next refresh rebuilds everything.
SELECT wwva_internal.capture_partitions();
DELETE FROM wwva_internal.capture_intact;

CREATE UNLOGGED TABLE wwva_internal.refresh_lock ();
COMMENT ON TABLE wwva_internal.refresh_lock IS
'Never holds a row: a running wwva.refresh() holds it in SHARE ROW EXCLUSIVE mode, so refreshes run one at a time while autovacuum can still vacuum what they write.';
COMMENT ON COLUMN @extschema@.materialized_statement.computed_at IS
'Start of the transaction of the refresh that last changed the line (a refresh that computes it again to the same values leaves it).';

-- Whether the traces hold every change: what the next refresh will check.
CREATE FUNCTION wwva_internal.trace_verdict(OUT reason text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE
       WHEN NOT EXISTS (SELECT FROM wwva_internal.capture_intact)
       THEN 'change traces lost (crash, failover or restore) or never taken (new install): the next refresh rebuilds everything'
       WHEN EXISTS (SELECT FROM wwva_internal.uncaptured_partitions() u WHERE u.is_foreign)
       THEN 'foreign partitions: their changes are made on their shards, untraced here; every refresh rebuilds everything'
       WHEN EXISTS (SELECT FROM wwva_internal.captured_partition k
                     WHERE NOT wwva_internal.in_ledgers(k.relid))
       THEN 'partitions detached or dropped since the last refresh: the next refresh rebuilds everything'
       ELSE (SELECT 'partitions not captured until now (' || pg_catalog.string_agg(u.part::text, ', ' ORDER BY u.part::text)
                    || '): the next refresh rebuilds everything'
               FROM wwva_internal.uncaptured_partitions() u)
       END
$$;
COMMENT ON FUNCTION wwva_internal.trace_verdict() IS
'NULL when the change traces hold every change since the last refresh; else why the next wwva.refresh() rebuilds everything.';
REVOKE EXECUTE ON FUNCTION wwva_internal.trace_verdict() FROM PUBLIC;

CREATE OR REPLACE VIEW @extschema@.refresh_status AS
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
           AND l.relation = 'wwva_internal.refresh_lock'::regclass
           AND l.mode = 'ShareRowExclusiveLock'
           AND l.granted) AS running_since,
       v.reason IS NULL AS verified,
       v.reason AS rebuild_reason
  FROM wwva_internal.trace_verdict() v
  LEFT JOIN LATERAL (SELECT r.started_at, r.finished_at, r.pairs
                       FROM wwva_internal.refresh_run r
                      ORDER BY r.run_id DESC LIMIT 1) last ON true;
COMMENT ON VIEW @extschema@.refresh_status IS
'One row: the last refresh (when, how long, how many pairs), the changes waiting for the next one, since when a refresh is running (NULL when none is), and whether the waiting changes are all there is (else the next refresh rebuilds everything, and why).';
COMMENT ON COLUMN @extschema@.refresh_status.verified IS
'true when the change traces hold every change since the last refresh; false when they may not (lost in a crash, a failover or a restore, not yet taken after the install, or partitions not captured), and the pending counts then tell nothing.';
COMMENT ON COLUMN @extschema@.refresh_status.rebuild_reason IS
'Why the next refresh rebuilds every pair from the ledgers; NULL when verified.';

CREATE OR REPLACE VIEW @extschema@.materialized_staleness AS
SELECT m.me_id,
       f.computed_at,
       COALESCE(p.pending, 0) AS pending,
       p.oldest_pending_at,
       CASE WHEN v.reason IS NULL
            THEN COALESCE(pg_catalog.now() - p.oldest_pending_at, interval '0') END AS stale_for,
       f.computed_at IS NOT NULL AND p.pending IS NULL AND v.reason IS NULL AS up_to_date,
       v.reason IS NULL AS verified
  FROM @extschema@.me m
 CROSS JOIN wwva_internal.trace_verdict() v
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
COMMENT ON COLUMN @extschema@.materialized_staleness.stale_for IS 'now() - oldest_pending_at; 0 when nothing waits; NULL when not verified (unknown).';
COMMENT ON COLUMN @extschema@.materialized_staleness.up_to_date IS 'Computed, verified, and nothing waits.';
COMMENT ON COLUMN @extschema@.materialized_staleness.verified IS
'As wwva.refresh_status.verified: false when changes may be missing from the traces (see its rebuild_reason); the next refresh then rebuilds everything.';
ALTER VIEW @extschema@.refresh_status SET (security_invoker = true);
ALTER VIEW @extschema@.materialized_staleness SET (security_invoker = true);

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
-- period.  Lines of every pair it touched are recomputed, and those that
-- changed are written in wwva.materialized_statement, what dashboards read.
-- ===========================================================================

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
-- a refresh rewrites the whole user state of a pair that gained users:
-- let autovacuum reclaim the old versions at once, unthrottled (the table
-- is small and unlogged), so they are reused rather than piled up
ALTER TABLE wwva_internal.materialized_figures
    SET (autovacuum_vacuum_cost_delay = 0,
         toast.autovacuum_vacuum_cost_delay = 0,
         toast.autovacuum_vacuum_scale_factor = 0,
         toast.autovacuum_vacuum_threshold = 500);
COMMENT ON TABLE wwva_internal.materialized_figures IS
'Per ME and period, what wwva.refresh() keeps to update wwva.materialized_statement from new rows alone: the money sums (as wwva_internal.money_figures), the section 1 counts (as wwva_internal.user_figures) and the exact set of users behind them. Unlogged: a crash empties it, and the next refresh rebuilds it.';
COMMENT ON COLUMN wwva_internal.materialized_figures.period_no IS 'Period position (wwva.period_calendar.period_no).';
COMMENT ON COLUMN wwva_internal.materialized_figures.me_id IS 'ME.';
COMMENT ON COLUMN wwva_internal.materialized_figures.period_id IS 'Period.';
COMMENT ON COLUMN wwva_internal.materialized_figures.hardware_revenue IS 'As in wwva_internal.money_figures.';
COMMENT ON COLUMN wwva_internal.materialized_figures.hardware_cost IS 'As in wwva_internal.money_figures.';
COMMENT ON COLUMN wwva_internal.materialized_figures.hardware_variable_cost IS 'As in wwva_internal.money_figures.';
COMMENT ON COLUMN wwva_internal.materialized_figures.ecosystem_revenue IS 'As in wwva_internal.money_figures.';
COMMENT ON COLUMN wwva_internal.materialized_figures.ecosystem_cost IS 'As in wwva_internal.money_figures.';
COMMENT ON COLUMN wwva_internal.materialized_figures.ecosystem_variable_cost IS 'As in wwva_internal.money_figures.';
COMMENT ON COLUMN wwva_internal.materialized_figures.interactive_users IS 'As in wwva_internal.user_figures.';
COMMENT ON COLUMN wwva_internal.materialized_figures.active_users IS 'As in wwva_internal.user_figures.';
COMMENT ON COLUMN wwva_internal.materialized_figures.lifetime_users IS 'As in wwva_internal.user_figures.';
COMMENT ON COLUMN wwva_internal.materialized_figures.user_makers IS 'As in wwva_internal.user_figures.';
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
    -- added in 0.8.0, after computed_at as ALTER TABLE adds them
    period_no   integer NOT NULL,
    starts_on   date NOT NULL,
    ends_on     date NOT NULL,
    -- added in 0.9.0
    calendar    text NOT NULL,
    PRIMARY KEY (me_id, period_id, line_no)
);
COMMENT ON TABLE @extschema@.materialized_statement IS
'wwva.statement as of the last wwva.refresh(), one row per ME, period and Table 2 line, plus when it was computed: what dashboards read. Written only by wwva.refresh().';
COMMENT ON COLUMN @extschema@.materialized_statement.computed_at IS
'Start of the transaction of the refresh that last changed the line (a refresh that computes it again to the same values leaves it).';
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
COMMENT ON COLUMN @extschema@.materialized_statement.period_no IS 'As in wwva.statement.';
COMMENT ON COLUMN @extschema@.materialized_statement.starts_on IS 'As in wwva.statement.';
COMMENT ON COLUMN @extschema@.materialized_statement.ends_on IS 'As in wwva.statement.';
COMMENT ON COLUMN @extschema@.materialized_statement.calendar IS 'As in wwva.statement.';

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
-- Refreshes queue on this lock (0.8.0; before, on wwva.materialized_statement,
-- which kept autovacuum off the tables the refresh writes).
CREATE UNLOGGED TABLE wwva_internal.refresh_lock ();
COMMENT ON TABLE wwva_internal.refresh_lock IS
'Never holds a row: a running wwva.refresh() holds it in SHARE ROW EXCLUSIVE mode, so refreshes run one at a time while autovacuum can still vacuum what they write.';
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

-- Whether the traces hold every change: what the next refresh will check.
CREATE FUNCTION wwva_internal.trace_verdict(OUT reason text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE
       WHEN wwva_internal.citus_tables()
       THEN 'Citus tables: their changes are made on the workers, untraced here; every refresh rewrites every pair'
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
COMMENT ON COLUMN @extschema@.refresh_status.last_refresh_at IS 'When the last completed refresh finished.';
COMMENT ON COLUMN @extschema@.refresh_status.last_duration IS 'How long it took.';
COMMENT ON COLUMN @extschema@.refresh_status.last_pairs IS '(ME, period) pairs it recomputed.';
COMMENT ON COLUMN @extschema@.refresh_status.pending_postings IS 'Committed postings waiting for the next refresh.';
COMMENT ON COLUMN @extschema@.refresh_status.pending_events IS 'Committed events waiting for the next refresh.';
COMMENT ON COLUMN @extschema@.refresh_status.pending_changes IS 'Committed change marks waiting for the next refresh.';
COMMENT ON COLUMN @extschema@.refresh_status.oldest_pending_at IS 'When the oldest waiting change was made (its transaction''s start).';
COMMENT ON COLUMN @extschema@.refresh_status.running_since IS 'Start of the transaction of the refresh running now, if any.';
COMMENT ON COLUMN @extschema@.refresh_status.verified IS
'true when the change traces hold every change since the last refresh; false when they may not (lost in a crash, a failover or a restore, not yet taken after the install, or partitions not captured), and the pending counts then tell nothing.';
COMMENT ON COLUMN @extschema@.refresh_status.rebuild_reason IS
'Why the next refresh rebuilds every pair from the ledgers; NULL when verified.';

-- The MEs as the caller sees them, through a function rather than a join:
-- on Citus wwva.me is a reference table, which Citus cannot join with the
-- local tables here (nor inside the policy on wwva.materialized_statement,
-- sql/security.sql), while the function's own query it runs as any other.
-- PL/pgSQL, so that the planner does not inline the query back.
CREATE FUNCTION wwva_internal.visible_mes() RETURNS SETOF text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN QUERY SELECT m.me_id FROM @extschema@.me m;
END
$$;
COMMENT ON FUNCTION wwva_internal.visible_mes() IS
'The MEs the caller can see in wwva.me: the test of the policy on wwva.materialized_statement, run as the reader.';

CREATE VIEW @extschema@.materialized_staleness AS
SELECT m.me_id,
       f.computed_at,
       COALESCE(p.pending, 0) AS pending,
       p.oldest_pending_at,
       CASE WHEN v.reason IS NULL
            THEN COALESCE(pg_catalog.now() - p.oldest_pending_at, interval '0') END AS stale_for,
       f.computed_at IS NOT NULL AND p.pending IS NULL AND v.reason IS NULL AS up_to_date,
       v.reason IS NULL AS verified
  FROM wwva_internal.visible_mes() m(me_id)
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
COMMENT ON VIEW @extschema@.materialized_staleness IS
'Per ME: when its materialized statement was last computed, how many committed changes wait for the next wwva.refresh(), and how long the oldest has waited.';
COMMENT ON COLUMN @extschema@.materialized_staleness.me_id IS 'ME.';
COMMENT ON COLUMN @extschema@.materialized_staleness.computed_at IS 'Latest computation of any of its pairs; NULL before the first refresh.';
COMMENT ON COLUMN @extschema@.materialized_staleness.pending IS 'Committed changes (postings, events, marks) not yet refreshed.';
COMMENT ON COLUMN @extschema@.materialized_staleness.oldest_pending_at IS 'When the oldest of them was made.';
COMMENT ON COLUMN @extschema@.materialized_staleness.stale_for IS 'now() - oldest_pending_at; 0 when nothing waits; NULL when not verified (unknown).';
COMMENT ON COLUMN @extschema@.materialized_staleness.up_to_date IS 'Computed, verified, and nothing waits.';
COMMENT ON COLUMN @extschema@.materialized_staleness.verified IS
'As wwva.refresh_status.verified: false when changes may be missing from the traces (see its rebuild_reason); the next refresh then rebuilds everything.';

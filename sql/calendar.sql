-- ===========================================================================
-- Periods and the calendar (src/periods.c, src/calendar.c).
--
-- A period is found by binary search over the sorted boundaries
-- (wwva.period_index).  A wwva.calendar value carries the periods and
-- every ME's settings and time zone.  Given once per query as
-- (SELECT wwva.current_calendar()), it lets one aggregate over a whole
-- ledger table assign every row to its ME and period in C: no join to
-- wwva.me, no time zone conversion through SQL and no hashing of ME ids
-- by the executor per row.  The aggregates work the same with GROUP BY
-- me_id, which is how a sharded ledger runs them shard by shard.
-- ===========================================================================

-- ---------------------------------------------------------------------------
-- Period assignment
-- ---------------------------------------------------------------------------
CREATE FUNCTION @extschema@.period_index(day date, starts date[], ends date[])
RETURNS integer
AS 'MODULE_PATHNAME', 'wwva_period_index'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.period_index(date, date[], date[]) IS
'1-based position of the period [starts[i], ends[i]) that holds day, or NULL when none does; the arrays must be sorted and non-overlapping. Binary search, with the boundaries cached per call site.';
-- ---------------------------------------------------------------------------
-- Periods in order, and their boundaries as arrays
-- ---------------------------------------------------------------------------
CREATE VIEW @extschema@.period_calendar AS
SELECT p.period_id,
       p.starts_on,
       p.ends_on,
       (row_number() OVER (ORDER BY p.starts_on))::integer AS period_no
  FROM @extschema@.period p;
COMMENT ON VIEW @extschema@.period_calendar IS
'Periods in order of starts_on with their 1-based position period_no, the number wwva.period_index() returns.';
COMMENT ON COLUMN @extschema@.period_calendar.period_id IS 'Period identifier.';
COMMENT ON COLUMN @extschema@.period_calendar.starts_on IS 'First day (inclusive).';
COMMENT ON COLUMN @extschema@.period_calendar.ends_on IS 'First day after (exclusive).';
COMMENT ON COLUMN @extschema@.period_calendar.period_no IS 'Position in starts_on order; "previous period" is period_no - 1.';

CREATE VIEW @extschema@.period_bounds AS
SELECT COALESCE(array_agg(p.starts_on ORDER BY p.starts_on), '{}'::date[]) AS starts,
       COALESCE(array_agg(p.ends_on ORDER BY p.starts_on), '{}'::date[]) AS ends
  FROM @extschema@.period p;
COMMENT ON VIEW @extschema@.period_bounds IS
'All period boundaries as two arrays in starts_on order: the calendar argument of wwva.period_index().';
COMMENT ON COLUMN @extschema@.period_bounds.starts IS 'starts_on of every period, ascending.';
COMMENT ON COLUMN @extschema@.period_bounds.ends IS 'ends_on of every period, in the same order.';

-- ---------------------------------------------------------------------------
-- The calendar: periods and ME settings in one value
-- ---------------------------------------------------------------------------
CREATE DOMAIN @extschema@.calendar AS bytea;
COMMENT ON DOMAIN @extschema@.calendar IS
'Periods and ME settings (N, K, time zone) in one value, as built by wwva.current_calendar(); the per-ME aggregates read it. Its contents carry their own hash, so a value not built by wwva.make_calendar() is refused.';

CREATE FUNCTION @extschema@.make_calendar(me_ids text[], timezones text[],
                                          min_transactions integer[], lifetime_periods integer[],
                                          starts date[], ends date[])
RETURNS @extschema@.calendar
AS 'MODULE_PATHNAME', 'wwva_make_calendar'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.make_calendar(text[], text[], integer[], integer[], date[], date[]) IS
'A wwva.calendar from one entry per ME (id, time zone, N, K) and the periods'' boundaries sorted by start; refuses NULLs, mismatched arrays, duplicate MEs, out-of-range settings and overlapping periods.';

CREATE FUNCTION @extschema@.current_calendar()
RETURNS @extschema@.calendar
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT @extschema@.make_calendar(
           COALESCE((SELECT pg_catalog.array_agg(m.me_id ORDER BY m.me_id) FROM @extschema@.me m), '{}'),
           COALESCE((SELECT pg_catalog.array_agg(m.timezone ORDER BY m.me_id) FROM @extschema@.me m), '{}'),
           COALESCE((SELECT pg_catalog.array_agg(m.active_min_transactions ORDER BY m.me_id) FROM @extschema@.me m), '{}'),
           COALESCE((SELECT pg_catalog.array_agg(m.lifetime_periods ORDER BY m.me_id) FROM @extschema@.me m), '{}'),
           b.starts, b.ends)
  FROM @extschema@.period_bounds b
$$;
COMMENT ON FUNCTION @extschema@.current_calendar() IS
'The calendar of wwva.me and wwva.period as they are now: pass it as (SELECT wwva.current_calendar()) so it is built once per query.';

CREATE FUNCTION @extschema@.event_period(me_id text, occurred_at timestamptz,
                                         calendar @extschema@.calendar)
RETURNS integer
AS 'MODULE_PATHNAME', 'wwva_event_period'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.event_period(text, timestamptz, @extschema@.calendar) IS
'1-based period (wwva.period_calendar.period_no) holding the event''s date in its ME''s time zone, (occurred_at AT TIME ZONE timezone)::date, or NULL when none does.';
-- ---------------------------------------------------------------------------
-- Rows that count in no statement are listed, never silently dropped
-- ---------------------------------------------------------------------------
-- A row whose ME is not in wwva.me (left by a TRUNCATE, a load with
-- triggers off or a restore) counts in no statement: the aggregates skip
-- it, so it cannot stop any other ME's statement, and it is listed here.
-- Its events never reach wwva.event_period, which refuses them.
CREATE VIEW @extschema@.unassigned AS
SELECT 'ledger'::text AS source,
       l.entry_id AS row_id,
       l.me_id,
       l.booked_on AS local_date,
       l.kind,
       l.user_id,
       l.amount,
       CASE WHEN m.me_id IS NULL THEN 'no such ME' ELSE 'no period' END AS reason
  FROM @extschema@.ledger l
  LEFT JOIN @extschema@.me m ON m.me_id = l.me_id
 WHERE m.me_id IS NULL
    OR @extschema@.period_index(l.booked_on,
                                (SELECT b.starts FROM @extschema@.period_bounds b),
                                (SELECT b.ends FROM @extschema@.period_bounds b)) IS NULL
UNION ALL
SELECT 'user_event'::text,
       e.event_id,
       e.me_id,
       (e.occurred_at AT TIME ZONE m.timezone)::date,
       e.kind,
       e.user_id,
       NULL::numeric,
       CASE WHEN m.me_id IS NULL THEN 'no such ME' ELSE 'no period' END
  FROM @extschema@.user_event e
  LEFT JOIN @extschema@.me m ON m.me_id = e.me_id
 WHERE CASE WHEN m.me_id IS NULL THEN true
            ELSE @extschema@.event_period(e.me_id, e.occurred_at,
                                          (SELECT @extschema@.current_calendar())) IS NULL
       END;
COMMENT ON VIEW @extschema@.unassigned IS
'Ledger postings and user events that count in no statement: their date falls in no period, or their ME is not in wwva.me (reason says which).';
COMMENT ON COLUMN @extschema@.unassigned.source IS '''ledger'' or ''user_event''.';
COMMENT ON COLUMN @extschema@.unassigned.row_id IS 'entry_id or event_id of the row.';
COMMENT ON COLUMN @extschema@.unassigned.me_id IS 'ME of the row.';
COMMENT ON COLUMN @extschema@.unassigned.local_date IS 'The date used for assignment: booked_on, or occurred_at in the ME''s time zone (NULL for an event whose ME is not in wwva.me).';
COMMENT ON COLUMN @extschema@.unassigned.kind IS 'Posting kind or event kind.';
COMMENT ON COLUMN @extschema@.unassigned.user_id IS 'User of the row, if any.';
COMMENT ON COLUMN @extschema@.unassigned.amount IS 'Amount of a posting; NULL for events.';
COMMENT ON COLUMN @extschema@.unassigned.reason IS
'''no period'' (add a period that holds local_date) or ''no such ME'' (add the ME to wwva.me, or delete the row).';

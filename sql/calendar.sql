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
'1-based position of the range [starts[i], ends[i]) that holds day, or NULL when none does; the arrays must be sorted and non-overlapping (wwva.period_bounds: the segments of the periods). Binary search, with the boundaries cached per call site.';
-- ---------------------------------------------------------------------------
-- Periods in order, the grid of segments under them, and the spans
-- ---------------------------------------------------------------------------
-- Function bodies are parsed as their caller, who may not name
-- wwva_internal: what current_calendar() and figures_of() read is public
-- (period_calendar, period_bounds, to_date_spans), the views under those
-- are internal.
CREATE VIEW @extschema@.period_calendar AS
SELECT p.period_id,
       p.starts_on,
       p.ends_on,
       p.period_no,
       p.calendar,
       pg_catalog.lag(p.period_no) OVER (PARTITION BY p.calendar ORDER BY p.starts_on)
           AS previous_period_no
  FROM (SELECT q.*, (row_number() OVER (ORDER BY q.calendar, q.starts_on))::integer AS period_no
          FROM @extschema@.period q) p;
COMMENT ON VIEW @extschema@.period_calendar IS
'Periods in order of calendar and starts_on with their 1-based position period_no, the number the per-ME aggregates report periods by, and the previous period of their calendar.';
COMMENT ON COLUMN @extschema@.period_calendar.period_id IS 'Period identifier.';
COMMENT ON COLUMN @extschema@.period_calendar.starts_on IS 'First day (inclusive).';
COMMENT ON COLUMN @extschema@.period_calendar.ends_on IS 'First day after (exclusive).';
COMMENT ON COLUMN @extschema@.period_calendar.period_no IS 'Position in calendar, starts_on order.';
COMMENT ON COLUMN @extschema@.period_calendar.calendar IS 'Calendar of the period.';
COMMENT ON COLUMN @extschema@.period_calendar.previous_period_no IS 'period_no of the period before it in its calendar, the "previous period" of lifetime users; NULL for the first.';

-- The aggregates assign a row to one segment of the grid (src/spans.h):
-- the days between two consecutive boundaries of any period, where some
-- period covers them.  With one calendar the segments are its periods.
-- A cut's reach is the latest end among the periods begun by then: the
-- segment from the cut to the next is covered when that end lies beyond.
CREATE VIEW wwva_internal.period_grid AS
SELECT (row_number() OVER (ORDER BY c.day))::integer AS segment_no,
       c.day AS starts_on,
       c.next_day AS ends_on
  FROM (SELECT b.day,
               pg_catalog.lead(b.day) OVER (ORDER BY b.day) AS next_day,
               b.reach
          FROM (SELECT m.day, pg_catalog.max(pg_catalog.max(m.reach)) OVER (ORDER BY m.day) AS reach
                  FROM (SELECT p.starts_on AS day, p.ends_on AS reach FROM @extschema@.period p
                        UNION ALL
                        SELECT p.ends_on, NULL FROM @extschema@.period p) m
                 GROUP BY m.day) b) c
 WHERE c.next_day IS NOT NULL
   AND c.reach > c.day;
COMMENT ON VIEW wwva_internal.period_grid IS
'The segments of the grid, in order: the days between consecutive period boundaries (of every calendar) that some period covers.';

CREATE VIEW @extschema@.period_bounds AS
SELECT COALESCE(array_agg(g.starts_on ORDER BY g.segment_no), '{}'::date[]) AS starts,
       COALESCE(array_agg(g.ends_on ORDER BY g.segment_no), '{}'::date[]) AS ends
  FROM wwva_internal.period_grid g;
COMMENT ON VIEW @extschema@.period_bounds IS
'The segments of the periods as two arrays in order: the days between consecutive boundaries of any period, where some period covers them. The argument of wwva.period_index(), which finds whether (and in which segment) some period holds a day; with one calendar the segments are its periods.';
COMMENT ON COLUMN @extschema@.period_bounds.starts IS 'First day of every segment, ascending.';
COMMENT ON COLUMN @extschema@.period_bounds.ends IS 'Day after every segment, in the same order.';

-- Each period is the run of segments from its start to its end.
CREATE VIEW wwva_internal.period_spans AS
SELECT c.period_no,
       c.period_id,
       c.calendar,
       c.starts_on,
       c.ends_on,
       f.segment_no AS first_segment,
       l.segment_no AS last_segment,
       c.previous_period_no
  FROM @extschema@.period_calendar c
  JOIN wwva_internal.period_grid f ON f.starts_on = c.starts_on
  JOIN wwva_internal.period_grid l ON l.ends_on = c.ends_on;
COMMENT ON VIEW wwva_internal.period_spans IS
'Every period as a run of segments of wwva_internal.period_grid.';

-- To date: every period P and every period Y of another calendar that
-- holds it.  Numbered after the periods, Y by Y and P by P within Y, so
-- that each span extends the one before it (src/user_spans.c builds on
-- that).
CREATE VIEW wwva_internal.to_date_runs AS
SELECT ((SELECT pg_catalog.count(*) FROM @extschema@.period)
        + row_number() OVER (ORDER BY y.period_no, p.ends_on, p.period_no))::integer AS span_no,
       p.period_id,
       y.period_id AS to_date_of,
       y.starts_on,
       p.ends_on,
       p.calendar,
       y.calendar AS to_date_calendar,
       y.first_segment,
       p.last_segment,
       y.previous_period_no
  FROM wwva_internal.period_spans p
  JOIN wwva_internal.period_spans y
    ON y.calendar <> p.calendar
   AND y.starts_on <= p.starts_on
   AND p.ends_on <= y.ends_on;
COMMENT ON VIEW wwva_internal.to_date_runs IS
'wwva.to_date_spans as runs of segments, with the period before the longer period in its calendar.';

CREATE VIEW @extschema@.to_date_spans AS
SELECT r.span_no, r.period_id, r.to_date_of, r.starts_on, r.ends_on, r.calendar, r.to_date_calendar
  FROM wwva_internal.to_date_runs r;
COMMENT ON VIEW @extschema@.to_date_spans IS
'Every period P and every period Y of another calendar that holds it: the span [Y.starts_on, P.ends_on) over which wwva.statement_to_date states Y at the end of P.';
COMMENT ON COLUMN @extschema@.to_date_spans.span_no IS 'Number of the span, after every period_no: how the per-ME aggregates report it.';
COMMENT ON COLUMN @extschema@.to_date_spans.period_id IS 'P, the period at whose end the span stops.';
COMMENT ON COLUMN @extschema@.to_date_spans.to_date_of IS 'Y, the longer period the span is a part of: its targets apply, and its previous periods count for lifetime users.';
COMMENT ON COLUMN @extschema@.to_date_spans.starts_on IS 'First day of the span: Y''s first day.';
COMMENT ON COLUMN @extschema@.to_date_spans.ends_on IS 'Day after the span: P''s ends_on.';
COMMENT ON COLUMN @extschema@.to_date_spans.calendar IS 'Calendar of P.';
COMMENT ON COLUMN @extschema@.to_date_spans.to_date_calendar IS 'Calendar of Y.';

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
'A wwva.calendar of one calendar from one entry per ME (id, time zone, N, K) and the periods'' boundaries sorted by start; refuses NULLs, mismatched arrays, duplicate MEs, out-of-range settings and overlapping periods.';

CREATE FUNCTION @extschema@.make_calendar(me_ids text[], timezones text[],
                                          min_transactions integer[], lifetime_periods integer[],
                                          starts date[], ends date[], spans integer[])
RETURNS @extschema@.calendar
AS 'MODULE_PATHNAME', 'wwva_make_calendar'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.make_calendar(text[], text[], integer[], integer[], date[], date[], integer[]) IS
'A wwva.calendar of several calendars: starts and ends are the segments of the grid (sorted, not overlapping; wwva.period_bounds) and spans a matrix of rows {number, first segment, last segment, row of the previous period or 0, 1 to report it or 0 not to}, by ascending number: the periods over the segments.';

CREATE FUNCTION @extschema@.current_calendar()
RETURNS @extschema@.calendar
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT @extschema@.make_calendar(
           COALESCE((SELECT pg_catalog.array_agg(m.me_id ORDER BY m.me_id) FROM @extschema@.me m), '{}'),
           COALESCE((SELECT pg_catalog.array_agg(m.timezone ORDER BY m.me_id) FROM @extschema@.me m), '{}'),
           COALESCE((SELECT pg_catalog.array_agg(m.active_min_transactions ORDER BY m.me_id) FROM @extschema@.me m), '{}'),
           COALESCE((SELECT pg_catalog.array_agg(m.lifetime_periods ORDER BY m.me_id) FROM @extschema@.me m), '{}'),
           b.starts, b.ends,
           COALESCE((SELECT pg_catalog.array_agg(
                                ARRAY[c.period_no,
                                      pg_catalog.array_position(b.starts, c.starts_on),
                                      pg_catalog.array_position(b.ends, c.ends_on),
                                      COALESCE(c.previous_period_no, 0), 1]
                                ORDER BY c.period_no)
                       FROM @extschema@.period_calendar c), '{}'))
  FROM @extschema@.period_bounds b
$$;
COMMENT ON FUNCTION @extschema@.current_calendar() IS
'The calendar of wwva.me and wwva.period as they are now, reporting every period by period_no: pass it as (SELECT wwva.current_calendar()) so it is built once per query.';

-- What wwva.statement_to_date aggregates with: the periods as hidden spans
-- (the previous periods lifetime users look back on), the to-date spans
-- reported by span_no.
CREATE VIEW wwva_internal.to_date_calendar AS
SELECT @extschema@.make_calendar(
           COALESCE((SELECT pg_catalog.array_agg(m.me_id ORDER BY m.me_id) FROM @extschema@.me m), '{}'),
           COALESCE((SELECT pg_catalog.array_agg(m.timezone ORDER BY m.me_id) FROM @extschema@.me m), '{}'),
           COALESCE((SELECT pg_catalog.array_agg(m.active_min_transactions ORDER BY m.me_id) FROM @extschema@.me m), '{}'),
           COALESCE((SELECT pg_catalog.array_agg(m.lifetime_periods ORDER BY m.me_id) FROM @extschema@.me m), '{}'),
           b.starts, b.ends,
           COALESCE((SELECT pg_catalog.array_agg(ARRAY[x.span_no, x.first_segment, x.last_segment,
                                                       COALESCE(x.previous_period_no, 0), x.shown]
                                                 ORDER BY x.span_no)
                       FROM (SELECT s.period_no AS span_no, s.first_segment, s.last_segment,
                                    s.previous_period_no, 0 AS shown
                               FROM wwva_internal.period_spans s
                              UNION ALL
                             SELECT t.span_no, t.first_segment, t.last_segment,
                                    t.previous_period_no, 1
                               FROM wwva_internal.to_date_runs t) x), '{}')) AS calendar
  FROM @extschema@.period_bounds b;
COMMENT ON VIEW wwva_internal.to_date_calendar IS
'The calendar wwva.statement_to_date aggregates with: the spans of wwva.to_date_spans, reported by span_no, over the periods.';

CREATE FUNCTION @extschema@.event_period(me_id text, occurred_at timestamptz,
                                         calendar @extschema@.calendar)
RETURNS integer
AS 'MODULE_PATHNAME', 'wwva_event_period'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.event_period(text, timestamptz, @extschema@.calendar) IS
'1-based period (wwva.period_calendar.period_no) holding the event''s date in its ME''s time zone, (occurred_at AT TIME ZONE timezone)::date (the lowest period_no when periods of several calendars do), or NULL when none does.';
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

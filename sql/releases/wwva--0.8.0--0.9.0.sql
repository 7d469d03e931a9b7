-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION wwva UPDATE TO '0.9.0'" to load this file. \quit

-- ===========================================================================
-- wwva 0.8.0 -> 0.9.0, written by hand: statements as finance teams read
-- them (issue 16).  Each part below says what it changes.
-- ===========================================================================

-- ---------------------------------------------------------------------------
-- The deprecated names of 0.8.0 go, as announced (sql/deprecated.sql is
-- gone).  A view of the user's own that still reads one of them would
-- block the upgrade: it is named, with what to read instead.
-- ---------------------------------------------------------------------------
DO $$
DECLARE
    reader record;
BEGIN
    SELECT pg_catalog.format('%I.%I', '@extschema@', o.relname) AS old_name,
           pg_catalog.format('%I.%I', n.nspname, u.relname) AS user_view INTO reader
      FROM pg_catalog.pg_depend d
      JOIN pg_catalog.pg_rewrite r ON r.oid OPERATOR(pg_catalog.=) d.objid
      JOIN pg_catalog.pg_class o ON o.oid OPERATOR(pg_catalog.=) d.refobjid
      JOIN pg_catalog.pg_class u ON u.oid OPERATOR(pg_catalog.=) r.ev_class
      JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) u.relnamespace
     WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::regclass
       AND d.refobjid OPERATOR(pg_catalog.=) ANY (ARRAY['@extschema@.money_figures'::regclass,
                                                        '@extschema@.user_figures'::regclass,
                                                        '@extschema@.profit_figures'::regclass])
       AND r.ev_class OPERATOR(pg_catalog.<>) d.refobjid
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'wwva 0.9.0 removes the deprecated view %, which % still reads', reader.old_name, reader.user_view
            USING ERRCODE = 'dependent_objects_still_exist',
                  HINT = 'Make the view read wwva.figures (or wwva.revenues, wwva.costs, wwva.user_resources) instead, then run ALTER EXTENSION wwva UPDATE again.';
    END IF;
END
$$;
DROP VIEW @extschema@.money_figures;
DROP VIEW @extschema@.user_figures;
DROP VIEW @extschema@.profit_figures;

-- ---------------------------------------------------------------------------
-- Calendars (sql/ledgers.sql): every existing period is in calendar
-- 'default'; periods may overlap across calendars, never within one.
-- ---------------------------------------------------------------------------
ALTER TABLE @extschema@.period
    ADD COLUMN calendar text NOT NULL DEFAULT 'default'
        CONSTRAINT period_calendar_not_empty CHECK (calendar <> '');
ALTER TABLE @extschema@.period DROP CONSTRAINT period_no_overlap;
ALTER TABLE @extschema@.period ADD
    CONSTRAINT period_no_overlap
        EXCLUDE USING gist (box(point(hashtext(calendar), starts_on - date '2000-01-01'),
                                point(hashtext(calendar), (ends_on - date '2000-01-01') - 0.5))
                            WITH &&);
COMMENT ON TABLE @extschema@.period IS
'Fiscal periods, half-open [starts_on, ends_on), in calendars: the periods of one calendar never overlap, those of different calendars may (months, quarters, years side by side). Within a calendar, starts_on order defines "previous period" for lifetime users.';
COMMENT ON COLUMN @extschema@.period.period_id IS 'Identifier shown in every view, unique across calendars, e.g. ''2017'' or ''2017-03''.';
COMMENT ON COLUMN @extschema@.period.starts_on IS 'First day of the period (inclusive).';
COMMENT ON COLUMN @extschema@.period.ends_on IS 'First day after the period (exclusive).';
COMMENT ON COLUMN @extschema@.period.calendar IS
'The calendar the period belongs to (''default'' unless given): ''month'', ''quarter'', ''fiscal_year''. Periods of one calendar may not overlap; the previous period of a period is the one before it in its calendar.';
CREATE OR REPLACE FUNCTION wwva_internal.period_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    other record;
BEGIN
    IF NEW.starts_on IS NULL OR NEW.ends_on IS NULL THEN
        RAISE EXCEPTION 'period "%" needs both starts_on and ends_on', NEW.period_id
            USING ERRCODE = 'not_null_violation',
                  HINT = 'Periods are half-open: starts_on is the first day, ends_on the first day after.';
    END IF;
    IF NOT (pg_catalog.isfinite(NEW.starts_on) AND pg_catalog.isfinite(NEW.ends_on))
       OR NEW.starts_on OPERATOR(pg_catalog.>=) NEW.ends_on THEN
        RAISE EXCEPTION 'period "%" [%, %) is empty or unbounded', NEW.period_id, NEW.starts_on, NEW.ends_on
            USING ERRCODE = 'check_violation',
                  HINT = 'starts_on must be a finite date before ends_on, e.g. [2017-01-01, 2018-01-01) for the year 2017.';
    END IF;
    SELECT p.period_id, p.starts_on, p.ends_on INTO other
      FROM @extschema@.period p
     WHERE p.calendar OPERATOR(pg_catalog.=) NEW.calendar
       AND pg_catalog.daterange(p.starts_on, p.ends_on)
           OPERATOR(pg_catalog.&&) pg_catalog.daterange(NEW.starts_on, NEW.ends_on)
       AND (TG_OP OPERATOR(pg_catalog.=) 'INSERT' OR p.period_id OPERATOR(pg_catalog.<>) OLD.period_id)
     ORDER BY p.starts_on
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'period "%" [%, %) overlaps period "%" [%, %) of calendar "%"',
            NEW.period_id, NEW.starts_on, NEW.ends_on, other.period_id, other.starts_on, other.ends_on,
            NEW.calendar
            USING ERRCODE = 'exclusion_violation',
                  HINT = 'Periods of one calendar are half-open [starts_on, ends_on) and may not overlap: let one end on the day the next one starts, or put the period in a calendar of its own (wwva.period.calendar, e.g. ''quarter'').';
    END IF;
    -- An inclusive end typed by habit leaves a day that no period covers.
    SELECT p.period_id, p.starts_on, p.ends_on INTO other
      FROM @extschema@.period p
     WHERE p.calendar OPERATOR(pg_catalog.=) NEW.calendar
       AND (p.starts_on OPERATOR(pg_catalog.=) (NEW.ends_on OPERATOR(pg_catalog.+) 1)
            OR p.ends_on OPERATOR(pg_catalog.=) (NEW.starts_on OPERATOR(pg_catalog.-) 1))
       AND (TG_OP OPERATOR(pg_catalog.=) 'INSERT' OR p.period_id OPERATOR(pg_catalog.<>) OLD.period_id)
     ORDER BY p.starts_on
     LIMIT 1;
    IF FOUND THEN
        RAISE WARNING 'period "%" [%, %) and period "%" [%, %) leave one day between them that no period covers',
            NEW.period_id, NEW.starts_on, NEW.ends_on, other.period_id, other.starts_on, other.ends_on
            USING HINT = 'ends_on is exclusive, the first day after the period: a month ends on the 1st of the next month.';
    ELSIF pg_catalog.date_part('day', (NEW.ends_on OPERATOR(pg_catalog.+) 1)) OPERATOR(pg_catalog.=) 1
          AND NOT EXISTS (SELECT FROM @extschema@.period p
                           WHERE p.calendar OPERATOR(pg_catalog.=) NEW.calendar
                             AND p.starts_on OPERATOR(pg_catalog.=) NEW.ends_on) THEN
        RAISE WARNING 'period "%" [%, %) leaves out %, the last day of its month',
            NEW.period_id, NEW.starts_on, NEW.ends_on, NEW.ends_on
            USING HINT = 'ends_on is exclusive, the first day after the period: for a whole month give the 1st of the next month.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION wwva_internal.period_check() IS
'Trigger: rejects an empty or unbounded wwva.period row, or one overlapping a period of its calendar, naming that period; warns when an end looks inclusive (a one-day gap to a neighbour, or an end on the last day of a month).';

-- ---------------------------------------------------------------------------
-- The grid and the spans (sql/calendar.sql): the aggregates assign rows to
-- segments and report periods, and to-date spans, as runs of segments.
-- ---------------------------------------------------------------------------
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
CREATE OR REPLACE VIEW @extschema@.period_calendar AS
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
CREATE OR REPLACE VIEW @extschema@.period_bounds AS
SELECT COALESCE(array_agg(g.starts_on ORDER BY g.segment_no), '{}'::date[]) AS starts,
       COALESCE(array_agg(g.ends_on ORDER BY g.segment_no), '{}'::date[]) AS ends
  FROM wwva_internal.period_grid g;
COMMENT ON VIEW @extschema@.period_bounds IS
'The segments of the periods as two arrays in order: the days between consecutive boundaries of any period, where some period covers them. The argument of wwva.period_index(), which finds whether (and in which segment) some period holds a day; with one calendar the segments are its periods.';
COMMENT ON COLUMN @extschema@.period_bounds.starts IS 'First day of every segment, ascending.';
COMMENT ON COLUMN @extschema@.period_bounds.ends IS 'Day after every segment, in the same order.';
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
CREATE OR REPLACE FUNCTION @extschema@.current_calendar()
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
COMMENT ON FUNCTION @extschema@.period_index(date, date[], date[]) IS
'1-based position of the range [starts[i], ends[i]) that holds day, or NULL when none does; the arrays must be sorted and non-overlapping (wwva.period_bounds: the segments of the periods). Binary search, with the boundaries cached per call site.';
COMMENT ON FUNCTION @extschema@.event_period(text, timestamptz, @extschema@.calendar) IS
'1-based period (wwva.period_calendar.period_no) holding the event''s date in its ME''s time zone, (occurred_at AT TIME ZONE timezone)::date (the lowest period_no when periods of several calendars do), or NULL when none does.';

-- ---------------------------------------------------------------------------
-- Slices (src/slices.c): what the passes under a filtered view read
-- ---------------------------------------------------------------------------
-- When a query filters a statement view on its periods, the planner hook
-- gives the passes over the ledgers a window over the dates and a list of
-- MEs, each computed once per query by these functions, as the query's
-- reader (who may execute them but not name them).

-- The first day (bound 0), or the day after the last (bound 1), that the
-- selected periods' figures read: a period needs its own days and those of
-- the K-1 periods before it in its calendar (lifetime users, K the largest
-- wwva.me.lifetime_periods).  With to_date, the selection is of to-date
-- spans (P, Y): P by period_ids and calendars, Y by to_date_ofs and
-- to_date_calendars, each span needing [Y's K-1 periods back, P.ends_on).
-- NULL selects every value; no period selected gives NULL, and no rows.
CREATE FUNCTION wwva_internal.slice_day(bound integer, to_date boolean,
                                        period_ids text[], calendars text[],
                                        to_date_ofs text[], to_date_calendars text[])
RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
WITH numbered AS (
    SELECT p.period_id, p.calendar, p.starts_on, p.ends_on,
           row_number() OVER (PARTITION BY p.calendar ORDER BY p.starts_on) AS n
      FROM @extschema@.period p
), reach AS (
    SELECT r.period_id, r.calendar, r.starts_on, r.ends_on, b.starts_on AS reach
      FROM numbered r
      JOIN numbered b
        ON b.calendar = r.calendar
       AND b.n = greatest(r.n - (SELECT COALESCE(max(m.lifetime_periods), 1) - 1
                                   FROM @extschema@.me m), 1)
), windows AS (
    SELECT p.reach AS starts_on, p.ends_on
      FROM reach p
     WHERE NOT to_date
       AND (period_ids IS NULL OR p.period_id = ANY (period_ids))
       AND (calendars IS NULL OR p.calendar = ANY (calendars))
    UNION ALL
    SELECT y.reach, p.ends_on
      FROM reach p
      JOIN reach y
        ON y.calendar <> p.calendar AND y.starts_on <= p.starts_on AND p.ends_on <= y.ends_on
     WHERE to_date
       AND (period_ids IS NULL OR p.period_id = ANY (period_ids))
       AND (calendars IS NULL OR p.calendar = ANY (calendars))
       AND (to_date_ofs IS NULL OR y.period_id = ANY (to_date_ofs))
       AND (to_date_calendars IS NULL OR y.calendar = ANY (to_date_calendars))
)
SELECT CASE WHEN bound = 0 THEN min(w.starts_on) ELSE max(w.ends_on) END
  FROM windows w
$$;
COMMENT ON FUNCTION wwva_internal.slice_day(integer, boolean, text[], text[], text[], text[]) IS
'First day (bound 0) or day after the last (bound 1) that the figures of the selected periods (or, with to_date, to-date spans) read, lifetime users'' K-1 earlier periods included; NULL when nothing is selected.';

-- When the local day starts, at the earliest (bound 0) or the latest
-- (bound 1) over the MEs' time zones: where midnight repeats (a clock set
-- back at midnight), the day starts at its first occurrence, up to two
-- hours before the one AT TIME ZONE gives.
CREATE FUNCTION wwva_internal.slice_instant(bound integer, day date)
RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE WHEN bound = 0 THEN min(s.starts_at) ELSE max(s.starts_at) END
  FROM (SELECT (SELECT min(c.at)
                  FROM generate_series(0, 4) AS k,
                       LATERAL (SELECT (day::timestamp AT TIME ZONE m.timezone)
                                       - k * interval '30 minutes' AS at) c
                 WHERE (c.at AT TIME ZONE m.timezone)::date >= day) AS starts_at
          FROM @extschema@.me m) s
$$;
COMMENT ON FUNCTION wwva_internal.slice_instant(integer, date) IS
'The instant the local day starts: the earliest (bound 0) or latest (bound 1) over the time zones of wwva.me.';

-- The MEs a sliced pass reads one by one through its index when the query
-- names none: every ME (a row of no ME counts nowhere).
CREATE FUNCTION wwva_internal.slice_mes()
RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT ARRAY(SELECT m.me_id FROM @extschema@.me m ORDER BY m.me_id)
$$;
COMMENT ON FUNCTION wwva_internal.slice_mes() IS
'Every ME of wwva.me, in order: the MEs a pass sliced by period reads through its (me_id, date) index.';

-- The stored user state of a pair is its period's, gathered from the
-- segments (sql/user_resources.sql): the aggregate gets a final of its own.
CREATE FUNCTION wwva_internal.user_state_final(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'wwva_user_state_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION wwva_internal.user_state_final(internal) IS
'Support function of the wwva.user_resource_state aggregate: the state by period_no, each period the union of its segments.';
DROP AGGREGATE @extschema@.user_resource_state(text, bigint, text, timestamptz, @extschema@.calendar);
CREATE AGGREGATE @extschema@.user_resource_state(
    me_id text, user_id bigint, kind text, occurred_at timestamptz,
    calendar @extschema@.calendar) (
    SFUNC = wwva_internal.me_user_counts_transition,
    STYPE = internal,
    SSPACE = 65536,
    COMBINEFUNC = wwva_internal.user_counts_combine,
    SERIALFUNC = wwva_internal.user_counts_serialize,
    DESERIALFUNC = wwva_internal.user_counts_deserialize,
    FINALFUNC = wwva_internal.user_state_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.user_resource_state(text, bigint, text, timestamptz, @extschema@.calendar) IS
'The exact users behind section 1 of every ME and period of the events, as a value to store or ship: each user''s transaction count and whether it interacted or co-created, and the customization count per pair. Combine with wwva.user_resource_state(bytea); count with wwva.user_resource_state_counts.';
REVOKE EXECUTE ON FUNCTION wwva_internal.user_state_final(internal) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- The figures over periods and to-date spans, relational (sql/money.sql,
-- sql/figures.sql, sql/statement.sql): a filter on me_id reaches the
-- ledgers; every per-period view ends with the calendar.
-- ---------------------------------------------------------------------------
CREATE FUNCTION wwva_internal.matrix_row(matrix anyarray, period_no integer)
RETURNS anyarray
AS 'MODULE_PATHNAME', 'wwva_matrix_row'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION wwva_internal.matrix_row(anyarray, integer) IS
'The row {period_no, values...} of a "by period" matrix (wwva.ledger_totals_by_period, wwva.user_resource_counts_by_period) for period_no, or NULL when it has none.';

CREATE VIEW wwva_internal.me_money AS
SELECT l.me_id,
       @extschema@.ledger_totals_by_period(l.me_id, l.booked_on, l.stream, l.kind,
                                           l.behavior, l.amount,
                                           (SELECT @extschema@.current_calendar())) AS totals
  FROM @extschema@.ledger l
 GROUP BY l.me_id;
COMMENT ON VIEW wwva_internal.me_money IS
'Per ME with postings, the money sums of its periods as a wwva.ledger_totals_by_period matrix, from one pass over wwva.ledger grouped by ME.';

CREATE OR REPLACE VIEW wwva_internal.money_figures AS
SELECT g.me_id,
       g.totals[i][1]::integer AS period_no,
       g.totals[i][2] AS hardware_revenue,
       g.totals[i][3] AS hardware_cost,
       g.totals[i][4] AS hardware_variable_cost,
       g.totals[i][5] AS ecosystem_revenue,
       g.totals[i][6] AS ecosystem_cost,
       g.totals[i][7] AS ecosystem_variable_cost
  FROM wwva_internal.me_money g
 CROSS JOIN LATERAL pg_catalog.generate_subscripts(g.totals, 1) AS i;
CREATE VIEW wwva_internal.me_users AS
SELECT e.me_id,
       @extschema@.user_resource_counts_by_period(e.me_id, e.user_id, e.kind, e.occurred_at,
                                                  (SELECT @extschema@.current_calendar())) AS counts
  FROM @extschema@.user_event e
 GROUP BY e.me_id;
COMMENT ON VIEW wwva_internal.me_users IS
'Per ME with events, the section 1 counts of its periods as a wwva.user_resource_counts_by_period matrix, from one pass over wwva.user_event grouped by ME (as wwva_internal.me_money).';
CREATE OR REPLACE VIEW wwva_internal.user_figures AS
SELECT g.me_id,
       g.counts[i][1]::integer AS period_no,
       g.counts[i][2] AS interactive_users,
       g.counts[i][3] AS active_users,
       g.counts[i][4] AS lifetime_users,
       g.counts[i][5] AS user_makers
  FROM wwva_internal.me_users g
 CROSS JOIN LATERAL pg_catalog.generate_subscripts(g.counts, 1) AS i;
-- The same from the rule's columns, rounded to the currency's minor unit:
-- what the statement pays.  Columns rather than a row, so that it can run
-- wherever the rules are (a Citus worker's rule table has a row type of
-- its own), and inlinable, so the views that call it stay relational.
CREATE FUNCTION @extschema@.sharing_payout(base text, rate numeric, floor numeric, cap numeric,
                                           hardware_profit numeric, ecosystem_profit numeric,
                                           total_profit_target numeric, minor_unit integer)
RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT CASE
         WHEN base IS NULL THEN CASE WHEN minor_unit IS NULL THEN 0 ELSE pg_catalog.round(0, minor_unit) END
         WHEN minor_unit IS NULL
           THEN @extschema@.sharing_amount(@extschema@.sharing_base(base, hardware_profit, ecosystem_profit,
                                                                    total_profit_target),
                                           rate, floor, cap)
         ELSE pg_catalog.round(@extschema@.sharing_amount(@extschema@.sharing_base(base, hardware_profit,
                                                                                   ecosystem_profit,
                                                                                   total_profit_target),
                                                          rate, floor, cap),
                               minor_unit)
       END
$$;
COMMENT ON FUNCTION @extschema@.sharing_payout(text, numeric, numeric, numeric, numeric, numeric, numeric, integer) IS
'A party''s payout (lines 2d-2f) under the rule with this base, rate, floor and cap for the given profits, rounded half away from zero to minor_unit decimals (exact when it is NULL); 0 when base is NULL (no rule).';
CREATE TYPE @extschema@.pair_figures AS (
    interactive_users bigint,
    active_users bigint,
    lifetime_users bigint,
    user_makers bigint,
    hardware_profit numeric,
    ecosystem_profit numeric,
    total_profit numeric,
    users_share numeric,
    investors_share numeric,
    team_share numeric,
    total_sharing numeric,
    hardware_revenue numeric,
    ecosystem_revenue numeric,
    total_revenue numeric,
    hardware_cost numeric,
    hardware_variable_cost numeric,
    ecosystem_cost numeric,
    ecosystem_variable_cost numeric,
    total_cost numeric,
    hardware_marginal_cost numeric,
    ecosystem_marginal_cost numeric,
    hardware_marginal_income numeric,
    ecosystem_marginal_income numeric,
    total_marginal_income numeric
);
COMMENT ON TYPE @extschema@.pair_figures IS
'Every line of the statement of one ME and period, in Table 2 order: what wwva.pair_figures() returns.';

CREATE FUNCTION @extschema@.pair_figures(
    hardware_revenue numeric, hardware_cost numeric, hardware_variable_cost numeric,
    ecosystem_revenue numeric, ecosystem_cost numeric, ecosystem_variable_cost numeric,
    interactive_users bigint, active_users bigint, lifetime_users bigint, user_makers bigint,
    minor_unit integer,
    users_base text, users_rate numeric, users_floor numeric, users_cap numeric,
    investors_base text, investors_rate numeric, investors_floor numeric, investors_cap numeric,
    team_base text, team_rate numeric, team_floor numeric, team_cap numeric,
    total_profit_target numeric)
RETURNS @extschema@.pair_figures
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT ROW(
    COALESCE(interactive_users, 0),
    COALESCE(active_users, 0),
    COALESCE(lifetime_users, 0),
    COALESCE(user_makers, 0),
    -- 2a, 2b, 2c
    COALESCE(hardware_revenue, 0) OPERATOR(pg_catalog.-) COALESCE(hardware_cost, 0),
    COALESCE(ecosystem_revenue, 0) OPERATOR(pg_catalog.-) COALESCE(ecosystem_cost, 0),
    (COALESCE(hardware_revenue, 0) OPERATOR(pg_catalog.+) COALESCE(ecosystem_revenue, 0))
        OPERATOR(pg_catalog.-) (COALESCE(hardware_cost, 0) OPERATOR(pg_catalog.+) COALESCE(ecosystem_cost, 0)),
    -- 2d, 2e, 2f at the currency's minor unit, and 2g their sum
    @extschema@.sharing_payout(users_base, users_rate, users_floor, users_cap,
        COALESCE(hardware_revenue, 0) OPERATOR(pg_catalog.-) COALESCE(hardware_cost, 0),
        COALESCE(ecosystem_revenue, 0) OPERATOR(pg_catalog.-) COALESCE(ecosystem_cost, 0),
        total_profit_target, minor_unit),
    @extschema@.sharing_payout(investors_base, investors_rate, investors_floor, investors_cap,
        COALESCE(hardware_revenue, 0) OPERATOR(pg_catalog.-) COALESCE(hardware_cost, 0),
        COALESCE(ecosystem_revenue, 0) OPERATOR(pg_catalog.-) COALESCE(ecosystem_cost, 0),
        total_profit_target, minor_unit),
    @extschema@.sharing_payout(team_base, team_rate, team_floor, team_cap,
        COALESCE(hardware_revenue, 0) OPERATOR(pg_catalog.-) COALESCE(hardware_cost, 0),
        COALESCE(ecosystem_revenue, 0) OPERATOR(pg_catalog.-) COALESCE(ecosystem_cost, 0),
        total_profit_target, minor_unit),
    @extschema@.sharing_payout(users_base, users_rate, users_floor, users_cap,
        COALESCE(hardware_revenue, 0) OPERATOR(pg_catalog.-) COALESCE(hardware_cost, 0),
        COALESCE(ecosystem_revenue, 0) OPERATOR(pg_catalog.-) COALESCE(ecosystem_cost, 0),
        total_profit_target, minor_unit)
    OPERATOR(pg_catalog.+) @extschema@.sharing_payout(investors_base, investors_rate, investors_floor, investors_cap,
        COALESCE(hardware_revenue, 0) OPERATOR(pg_catalog.-) COALESCE(hardware_cost, 0),
        COALESCE(ecosystem_revenue, 0) OPERATOR(pg_catalog.-) COALESCE(ecosystem_cost, 0),
        total_profit_target, minor_unit)
    OPERATOR(pg_catalog.+) @extschema@.sharing_payout(team_base, team_rate, team_floor, team_cap,
        COALESCE(hardware_revenue, 0) OPERATOR(pg_catalog.-) COALESCE(hardware_cost, 0),
        COALESCE(ecosystem_revenue, 0) OPERATOR(pg_catalog.-) COALESCE(ecosystem_cost, 0),
        total_profit_target, minor_unit),
    -- 3a, 3b, 3c
    COALESCE(hardware_revenue, 0),
    COALESCE(ecosystem_revenue, 0),
    COALESCE(hardware_revenue, 0) OPERATOR(pg_catalog.+) COALESCE(ecosystem_revenue, 0),
    -- 4a, 4a_var, 4b, 4b_var, 4_total
    COALESCE(hardware_cost, 0),
    COALESCE(hardware_variable_cost, 0),
    COALESCE(ecosystem_cost, 0),
    COALESCE(ecosystem_variable_cost, 0),
    COALESCE(hardware_cost, 0) OPERATOR(pg_catalog.+) COALESCE(ecosystem_cost, 0),
    -- 4c, 4d, 5a, 5b per active user
    @extschema@.marginal_cost(COALESCE(hardware_variable_cost, 0), COALESCE(active_users, 0)),
    @extschema@.marginal_cost(COALESCE(ecosystem_variable_cost, 0), COALESCE(active_users, 0)),
    @extschema@.marginal_income(COALESCE(hardware_revenue, 0), COALESCE(hardware_variable_cost, 0),
                                COALESCE(active_users, 0)),
    @extschema@.marginal_income(COALESCE(ecosystem_revenue, 0), COALESCE(ecosystem_variable_cost, 0),
                                COALESCE(active_users, 0)),
    -- 5c = 5a + 5b, as one exact division so repeating decimals are not rounded twice
    @extschema@.marginal_income(COALESCE(hardware_revenue, 0) OPERATOR(pg_catalog.+) COALESCE(ecosystem_revenue, 0),
                                COALESCE(hardware_variable_cost, 0) OPERATOR(pg_catalog.+) COALESCE(ecosystem_variable_cost, 0),
                                COALESCE(active_users, 0))
)::@extschema@.pair_figures
$$;
COMMENT ON FUNCTION @extschema@.pair_figures(numeric, numeric, numeric, numeric, numeric, numeric, bigint, bigint, bigint, bigint, integer, text, numeric, numeric, numeric, text, numeric, numeric, numeric, text, numeric, numeric, numeric, numeric) IS
'Every line of one ME and period (wwva.pair_figures) from its six money sums and four section 1 counts (NULL counts as 0), its currency''s minor unit (NULL: payouts stay exact), the base, rate, floor and cap of its users'', investors'' and team''s sharing rules (a NULL base: no rule) and its total_profit target.';
CREATE OR REPLACE FUNCTION @extschema@.figures_of(money @extschema@.me_ledger_totals[],
                                       users @extschema@.me_user_resource_counts[],
                                       me_ids text[] DEFAULT NULL,
                                       period_nos integer[] DEFAULT NULL)
RETURNS TABLE (me_id text, period_id text, period_no integer, currency text,
               interactive_users bigint, active_users bigint, lifetime_users bigint,
               user_makers bigint,
               hardware_profit numeric, ecosystem_profit numeric, total_profit numeric,
               users_share numeric, investors_share numeric, team_share numeric,
               total_sharing numeric,
               hardware_revenue numeric, ecosystem_revenue numeric, total_revenue numeric,
               hardware_cost numeric, hardware_variable_cost numeric, ecosystem_cost numeric,
               ecosystem_variable_cost numeric, total_cost numeric,
               hardware_marginal_cost numeric, ecosystem_marginal_cost numeric,
               hardware_marginal_income numeric, ecosystem_marginal_income numeric,
               total_marginal_income numeric)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT m.me_id, c.target_period_id, c.span_no, m.currency, (x.f).*
  FROM @extschema@.me m
 CROSS JOIN (SELECT pc.period_no AS span_no, pc.period_id AS target_period_id, false AS to_date
               FROM @extschema@.period_calendar pc
             UNION ALL
             SELECT ts.span_no, ts.to_date_of, true
               FROM @extschema@.to_date_spans ts) c
  LEFT JOIN @extschema@.currency cu ON cu.code = m.currency
  LEFT JOIN @extschema@.sharing_rule ru ON ru.me_id = m.me_id AND ru.party = 'users'
  LEFT JOIN @extschema@.sharing_rule ri ON ri.me_id = m.me_id AND ri.party = 'investors'
  LEFT JOIN @extschema@.sharing_rule rt ON rt.me_id = m.me_id AND rt.party = 'team'
  LEFT JOIN @extschema@.target tp
         ON tp.me_id = m.me_id AND tp.period_id = c.target_period_id AND tp.item = 'total_profit'
  LEFT JOIN pg_catalog.unnest(money) f ON f.me_id = m.me_id AND f.period_no = c.span_no
  LEFT JOIN pg_catalog.unnest(users) u ON u.me_id = m.me_id AND u.period_no = c.span_no
 CROSS JOIN LATERAL (
        SELECT @extschema@.pair_figures(
                   f.hardware_revenue, f.hardware_cost, f.hardware_variable_cost,
                   f.ecosystem_revenue, f.ecosystem_cost, f.ecosystem_variable_cost,
                   u.interactive_users, u.active_users, u.lifetime_users, u.user_makers,
                   cu.minor_unit, ru.base, ru.rate, ru.floor, ru.cap, ri.base, ri.rate, ri.floor, ri.cap,
                   rt.base, rt.rate, rt.floor, rt.cap, tp.value) AS f) x
 WHERE (me_ids IS NULL AND NOT c.to_date)
    OR (m.me_id, c.span_no) IN (SELECT * FROM ROWS FROM (pg_catalog.unnest(me_ids), pg_catalog.unnest(period_nos)))
$$;
COMMENT ON FUNCTION @extschema@.figures_of(@extschema@.me_ledger_totals[], @extschema@.me_user_resource_counts[], text[], integer[]) IS
'Every statement figure (the columns of wwva.figures) for each ME x period, from its money sums and section 1 counts (pairs missing from the arrays count as 0); only the pairs (me_ids[i], period_nos[i]) when me_ids is not NULL, where a period_no may also be the span_no of a to-date span (its period_id is then the period whose targets apply).';
CREATE VIEW wwva_internal.me_frame AS
SELECT m.me_id,
       m.currency,
       cu.minor_unit,
       ru.base AS users_base, ru.rate AS users_rate, ru.floor AS users_floor, ru.cap AS users_cap,
       ri.base AS investors_base, ri.rate AS investors_rate, ri.floor AS investors_floor,
       ri.cap AS investors_cap,
       rt.base AS team_base, rt.rate AS team_rate, rt.floor AS team_floor, rt.cap AS team_cap
  FROM @extschema@.me m
  LEFT JOIN @extschema@.currency cu ON cu.code = m.currency
  LEFT JOIN @extschema@.sharing_rule ru ON ru.me_id = m.me_id AND ru.party = 'users'
  LEFT JOIN @extschema@.sharing_rule ri ON ri.me_id = m.me_id AND ri.party = 'investors'
  LEFT JOIN @extschema@.sharing_rule rt ON rt.me_id = m.me_id AND rt.party = 'team';
COMMENT ON VIEW wwva_internal.me_frame IS
'Every ME with its currency''s minor unit and its three sharing rules as columns: the inputs of wwva.pair_figures() that are the ME''s own.';
CREATE OR REPLACE VIEW wwva_internal.profit_figures AS
SELECT p.me_id,
       s.period_id,
       s.period_no,
       p.currency,
       (x.f).hardware_revenue,
       (x.f).ecosystem_revenue,
       (x.f).total_revenue,
       (x.f).hardware_cost,
       (x.f).hardware_variable_cost,
       (x.f).ecosystem_cost,
       (x.f).ecosystem_variable_cost,
       (x.f).total_cost,
       (x.f).hardware_profit,
       (x.f).ecosystem_profit,
       (x.f).total_profit,
       (x.f).users_share,
       (x.f).investors_share,
       (x.f).team_share,
       (x.f).total_sharing,
       s.starts_on,
       s.ends_on,
       s.calendar
  FROM wwva_internal.me_frame p
  LEFT JOIN wwva_internal.me_money g ON g.me_id = p.me_id
 CROSS JOIN LATERAL (
        SELECT c.period_id, c.period_no, c.starts_on, c.ends_on, c.calendar,
               wwva_internal.matrix_row(g.totals, c.period_no) AS money
          FROM @extschema@.period_calendar c OFFSET 0) s
  LEFT JOIN @extschema@.target tp
         ON tp.me_id = p.me_id AND tp.period_id = s.period_id AND tp.item = 'total_profit'
 CROSS JOIN LATERAL (
        SELECT @extschema@.pair_figures(
                   s.money[2], s.money[3], s.money[4], s.money[5], s.money[6], s.money[7],
                   NULL, NULL, NULL, NULL, p.minor_unit,
                   p.users_base, p.users_rate, p.users_floor, p.users_cap,
                   p.investors_base, p.investors_rate, p.investors_floor, p.investors_cap,
                   p.team_base, p.team_rate, p.team_floor, p.team_cap,
                   tp.value) AS f) x;
COMMENT ON VIEW wwva_internal.profit_figures IS
'Every ME x period: revenues, costs, profits and sharing payouts (sections 2, 3 and the money lines of 4), from one pass over wwva.ledger.';
COMMENT ON COLUMN wwva_internal.profit_figures.calendar IS 'Calendar of the period.';
CREATE OR REPLACE VIEW @extschema@.figures AS
SELECT p.me_id,
       s.period_id,
       s.period_no,
       p.currency,
       (x.f).*,
       s.starts_on,
       s.ends_on,
       s.calendar
  FROM wwva_internal.me_frame p
  LEFT JOIN wwva_internal.me_money g ON g.me_id = p.me_id
  LEFT JOIN wwva_internal.me_users u ON u.me_id = p.me_id
 CROSS JOIN LATERAL (
        SELECT c.period_id, c.period_no, c.starts_on, c.ends_on, c.calendar,
               wwva_internal.matrix_row(g.totals, c.period_no) AS money,
               wwva_internal.matrix_row(u.counts, c.period_no) AS counts
          FROM @extschema@.period_calendar c OFFSET 0) s
  LEFT JOIN @extschema@.target tp
         ON tp.me_id = p.me_id AND tp.period_id = s.period_id AND tp.item = 'total_profit'
 CROSS JOIN LATERAL (
        SELECT @extschema@.pair_figures(
                   s.money[2], s.money[3], s.money[4], s.money[5], s.money[6], s.money[7],
                   s.counts[2], s.counts[3], s.counts[4], s.counts[5], p.minor_unit,
                   p.users_base, p.users_rate, p.users_floor, p.users_cap,
                   p.investors_base, p.investors_rate, p.investors_floor, p.investors_cap,
                   p.team_base, p.team_rate, p.team_floor, p.team_cap,
                   tp.value) AS f) x;
COMMENT ON VIEW @extschema@.figures IS
'Every statement line as a column, one row per ME x period: one pass over wwva.ledger and one over wwva.user_event, restricted to the MEs a filter on me_id names. The section views and wwva.statement read it.';
COMMENT ON COLUMN @extschema@.figures.calendar IS 'Calendar of the period.';

CREATE VIEW wwva_internal.to_date_me_money AS
SELECT l.me_id,
       @extschema@.ledger_totals_by_period(l.me_id, l.booked_on, l.stream, l.kind,
                                           l.behavior, l.amount,
                                           (SELECT c.calendar FROM wwva_internal.to_date_calendar c)) AS totals
  FROM @extschema@.ledger l
 GROUP BY l.me_id;
COMMENT ON VIEW wwva_internal.to_date_me_money IS
'Per ME with postings, the money sums of its to-date spans (by span_no) as a matrix, from one pass over wwva.ledger grouped by ME.';

CREATE VIEW wwva_internal.to_date_me_users AS
SELECT e.me_id,
       @extschema@.user_resource_counts_by_period(e.me_id, e.user_id, e.kind, e.occurred_at,
                                                  (SELECT c.calendar FROM wwva_internal.to_date_calendar c)) AS counts
  FROM @extschema@.user_event e
 GROUP BY e.me_id;
COMMENT ON VIEW wwva_internal.to_date_me_users IS
'Per ME with events, the section 1 counts of its to-date spans (by span_no) as a matrix, from one pass over wwva.user_event grouped by ME.';

-- As wwva.figures, over the to-date spans: period_id is the period the
-- span is held against (Y), period_no its span_no.
CREATE VIEW wwva_internal.to_date_figures AS
SELECT p.me_id,
       s.period_id,
       s.period_no,
       p.currency,
       (x.f).*
  FROM wwva_internal.me_frame p
  LEFT JOIN wwva_internal.to_date_me_money g ON g.me_id = p.me_id
  LEFT JOIN wwva_internal.to_date_me_users u ON u.me_id = p.me_id
 CROSS JOIN LATERAL (
        SELECT t.to_date_of AS period_id, t.span_no AS period_no,
               wwva_internal.matrix_row(g.totals, t.span_no) AS money,
               wwva_internal.matrix_row(u.counts, t.span_no) AS counts
          FROM @extschema@.to_date_spans t OFFSET 0) s
  LEFT JOIN @extschema@.target tp
         ON tp.me_id = p.me_id AND tp.period_id = s.period_id AND tp.item = 'total_profit'
 CROSS JOIN LATERAL (
        SELECT @extschema@.pair_figures(
                   s.money[2], s.money[3], s.money[4], s.money[5], s.money[6], s.money[7],
                   s.counts[2], s.counts[3], s.counts[4], s.counts[5], p.minor_unit,
                   p.users_base, p.users_rate, p.users_floor, p.users_cap,
                   p.investors_base, p.investors_rate, p.investors_floor, p.investors_cap,
                   p.team_base, p.team_rate, p.team_floor, p.team_cap,
                   tp.value) AS f) x;
COMMENT ON VIEW wwva_internal.to_date_figures IS
'Every ME x to-date span: the columns of wwva.figures, period_id being the longer period the span states (whose targets apply) and period_no the span_no.';

CREATE OR REPLACE FUNCTION wwva_internal.define_statement_lines() RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $define$
DECLARE
    lines text;
    body text;
    of_arrays text;
    view_options text;
    items text[];
    commented record;
BEGIN
    SELECT pg_catalog.array_agg(l.item ORDER BY l.line_no),
           pg_catalog.string_agg(pg_catalog.format('(%s, %L, %L, %s, f.%I::numeric)',
                                                   l.line_no, l.line, l.item,
                                                   CASE l.unit
                                                       WHEN 'currency' THEN 'f.currency'
                                                       WHEN 'currency per active user' THEN 'f.currency || '' per active user'''
                                                       ELSE pg_catalog.quote_literal(l.unit)
                                                   END,
                                                   l.item),
                                 E',\n        ' ORDER BY l.line_no)
      INTO items, lines
      FROM @extschema@.statement_line l;

    EXECUTE pg_catalog.format($items$
CREATE OR REPLACE FUNCTION @extschema@.statement_items() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT %L::text[] $$$items$, items);
    COMMENT ON FUNCTION @extschema@.statement_items() IS
    'The item names of wwva.statement, in Table 2 order (wwva.statement_line): the valid values of wwva.target.item.';

    -- The lines of pairs' figures: one query, the long form of a source of
    -- figures, written four times.  wwva.statement reads wwva.figures, and
    -- wwva.statement_to_date wwva_internal.to_date_figures, as views the
    -- planner can push a filter on me_id through; wwva.statement_of and
    -- the period_no-carrying form wwva.refresh() uses read wwva.figures_of
    -- over given sums and counts.
    body := pg_catalog.format($body$
SELECT f.me_id,
       f.period_id,/*lead*/
       l.line,
       l.item,
       l.unit,
       l.actual,
       t.value AS target,
       l.actual - t.value AS variance,
       CASE WHEN t.value <> 0 THEN pg_catalog.round(l.actual / t.value, 4) END AS achievement,
       l.line_no/*tail*/
  FROM /*source*/ f
 CROSS JOIN LATERAL (VALUES
        %s
      ) AS l(line_no, line, item, unit, actual)
  LEFT JOIN @extschema@.target t
         ON t.me_id = f.me_id AND t.period_id = f.period_id AND t.item = l.item
 ORDER BY f.me_id, f.period_no, l.line_no
$body$, lines);
    of_arrays := pg_catalog.replace(body, '/*source*/', '@extschema@.figures_of(money, users, me_ids, period_nos)');
    -- views run as their reader (PostgreSQL 15 and later)
    view_options := CASE WHEN pg_catalog.current_setting('server_version_num')::integer >= 150000
                         THEN ' WITH (security_invoker = true)' ELSE '' END;

    EXECUTE pg_catalog.format($rows_of$
CREATE OR REPLACE FUNCTION wwva_internal.statement_rows_of(money @extschema@.me_ledger_totals[],
                                                          users @extschema@.me_user_resource_counts[],
                                                          me_ids text[] DEFAULT NULL,
                                                          period_nos integer[] DEFAULT NULL)
RETURNS TABLE (me_id text, period_id text, period_no integer, line text, item text, unit text,
               actual numeric, target numeric, variance numeric, achievement numeric,
               line_no integer)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS %L$rows_of$,
        pg_catalog.replace(pg_catalog.replace(of_arrays, '/*lead*/', E'\n       f.period_no,'), '/*tail*/', ''));
    COMMENT ON FUNCTION wwva_internal.statement_rows_of(@extschema@.me_ledger_totals[], @extschema@.me_user_resource_counts[], text[], integer[]) IS
    'The rows of wwva.statement_of with their period_no: what wwva.refresh() writes.';
    REVOKE EXECUTE ON FUNCTION wwva_internal.statement_rows_of(@extschema@.me_ledger_totals[], @extschema@.me_user_resource_counts[], text[], integer[]) FROM PUBLIC;

    EXECUTE pg_catalog.format($statement_of$
CREATE OR REPLACE FUNCTION @extschema@.statement_of(money @extschema@.me_ledger_totals[],
                                                    users @extschema@.me_user_resource_counts[],
                                                    me_ids text[] DEFAULT NULL,
                                                    period_nos integer[] DEFAULT NULL)
RETURNS TABLE (me_id text, period_id text, line text, item text, unit text, actual numeric,
               target numeric, variance numeric, achievement numeric, line_no integer)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS %L$statement_of$,
        pg_catalog.replace(pg_catalog.replace(of_arrays, '/*lead*/', ''), '/*tail*/', ''));
    COMMENT ON FUNCTION @extschema@.statement_of(@extschema@.me_ledger_totals[], @extschema@.me_user_resource_counts[], text[], integer[]) IS
    'The rows of wwva.statement, in its order, computed by wwva.figures_of from the given money sums and section 1 counts; only the pairs (me_ids[i], period_nos[i]) when me_ids is not NULL.';

    EXECUTE 'CREATE OR REPLACE VIEW @extschema@.statement' OPERATOR(pg_catalog.||) view_options
            OPERATOR(pg_catalog.||) ' AS'
            OPERATOR(pg_catalog.||) pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(body,
                '/*source*/', '@extschema@.figures'), '/*lead*/', ''),
                '/*tail*/', E',\n       f.period_no,\n       f.starts_on,\n       f.ends_on,\n       f.calendar');

    EXECUTE 'CREATE OR REPLACE VIEW wwva_internal.to_date_lines' OPERATOR(pg_catalog.||) view_options
            OPERATOR(pg_catalog.||) ' AS'
            OPERATOR(pg_catalog.||) pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(body,
                '/*source*/', 'wwva_internal.to_date_figures'), '/*lead*/', ''),
                '/*tail*/', E',\n       f.period_no AS span_no');
    COMMENT ON VIEW wwva_internal.to_date_lines IS
    'The lines of every ME x to-date span, long, as in wwva.statement; period_id is the period the span states (whose targets apply).';
    -- read through wwva.statement_to_date by anyone, as themselves
    GRANT SELECT ON wwva_internal.to_date_lines TO PUBLIC;

    -- the columns named for a line, in the wide views and the section views
    FOR commented IN
        SELECT c.oid::regclass AS view, a.attname, l.line, l.formula
          FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
          JOIN @extschema@.statement_line l ON l.item = a.attname
         WHERE c.relnamespace IN ('@extschema@'::regnamespace, 'wwva_internal'::regnamespace)
           AND c.relname IN ('figures', 'profit_figures', 'user_resources', 'value_added_sharing',
                             'revenues', 'costs', 'marginal_income')
    LOOP
        EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.%I IS %L', commented.view, commented.attname,
                                  commented.line || ': ' || commented.formula || '.');
    END LOOP;
END
$define$;
COMMENT ON FUNCTION wwva_internal.define_statement_lines() IS
'Writes wwva.statement_items(), wwva.statement_of(), wwva_internal.statement_rows_of(), the views wwva.statement and wwva_internal.to_date_lines and the statement columns'' comments from wwva.statement_line; run by the install script and by every upgrade that changes the catalogue.';
REVOKE EXECUTE ON FUNCTION wwva_internal.define_statement_lines() FROM PUBLIC;
SELECT wwva_internal.define_statement_lines();

CREATE OR REPLACE VIEW @extschema@.user_resources AS
SELECT m.me_id,
       c.period_id,
       COALESCE(k.counts[2], 0) AS interactive_users,
       COALESCE(k.counts[3], 0) AS active_users,
       COALESCE(k.counts[4], 0) AS lifetime_users,
       COALESCE(k.counts[5], 0) AS user_makers,
       c.period_no,
       c.starts_on,
       c.ends_on,
       c.calendar
  FROM @extschema@.me m
 CROSS JOIN @extschema@.period_calendar c
  LEFT JOIN wwva_internal.me_users u ON u.me_id = m.me_id
 CROSS JOIN LATERAL (SELECT wwva_internal.matrix_row(u.counts, c.period_no) AS counts OFFSET 0) k;
COMMENT ON COLUMN @extschema@.user_resources.calendar IS 'Calendar of the period.';
CREATE OR REPLACE VIEW @extschema@.value_added_sharing AS
SELECT p.me_id,
       p.period_id,
       p.hardware_profit,
       p.ecosystem_profit,
       p.total_profit,
       p.users_share,
       p.investors_share,
       p.team_share,
       p.total_sharing,
       p.period_no,
       p.starts_on,
       p.ends_on,
       p.calendar
  FROM wwva_internal.profit_figures p;
COMMENT ON COLUMN @extschema@.value_added_sharing.calendar IS 'Calendar of the period.';
CREATE OR REPLACE VIEW @extschema@.revenues AS
SELECT p.me_id,
       p.period_id,
       p.hardware_revenue,
       p.ecosystem_revenue,
       p.total_revenue,
       p.period_no,
       p.starts_on,
       p.ends_on,
       p.calendar
  FROM wwva_internal.profit_figures p;
COMMENT ON COLUMN @extschema@.revenues.calendar IS 'Calendar of the period.';
CREATE OR REPLACE VIEW @extschema@.costs AS
SELECT f.me_id,
       f.period_id,
       f.hardware_cost,
       f.hardware_variable_cost,
       f.ecosystem_cost,
       f.ecosystem_variable_cost,
       f.total_cost,
       f.hardware_marginal_cost,
       f.ecosystem_marginal_cost,
       f.period_no,
       f.starts_on,
       f.ends_on,
       f.calendar
  FROM @extschema@.figures f;
COMMENT ON COLUMN @extschema@.costs.calendar IS 'Calendar of the period.';
CREATE OR REPLACE VIEW @extschema@.marginal_income AS
SELECT f.me_id,
       f.period_id,
       f.hardware_marginal_income,
       f.ecosystem_marginal_income,
       f.total_marginal_income,
       f.period_no,
       f.starts_on,
       f.ends_on,
       f.calendar
  FROM @extschema@.figures f;
COMMENT ON COLUMN @extschema@.marginal_income.calendar IS 'Calendar of the period.';
COMMENT ON COLUMN @extschema@.statement.calendar IS 'Calendar of the period.';

-- The lines of wwva_internal.to_date_figures (sql/figures.sql): the
-- aggregates over the ledgers with a calendar whose reported spans are the
-- to-date spans, and every line computed over [Y.starts_on, P.ends_on) as
-- for a period Y that ended on P.ends_on.
CREATE VIEW @extschema@.statement_to_date AS
SELECT s.me_id,
       t.period_id,
       t.to_date_of,
       t.starts_on,
       t.ends_on,
       s.line,
       s.item,
       s.unit,
       s.actual,
       s.target,
       s.variance,
       s.achievement,
       s.line_no,
       t.calendar,
       t.to_date_calendar
  FROM wwva_internal.to_date_lines s
  JOIN @extschema@.to_date_spans t ON t.span_no = s.span_no
 ORDER BY s.me_id, s.span_no, s.line_no;
COMMENT ON VIEW @extschema@.statement_to_date IS
'For every period P and every period Y of another calendar that holds it: the statement of Y as it stands at the end of P, every line computed over [Y.starts_on, P.ends_on) as for a period Y that ended on P.ends_on (distinct users over the span, N transactions within it, lifetime users against Y''s previous periods), against Y''s targets. One pass over each ledger.';
COMMENT ON COLUMN @extschema@.statement_to_date.me_id IS 'ME.';
COMMENT ON COLUMN @extschema@.statement_to_date.period_id IS 'P: the period at whose end the statement stands.';
COMMENT ON COLUMN @extschema@.statement_to_date.to_date_of IS 'Y: the period stated to date (its targets apply).';
COMMENT ON COLUMN @extschema@.statement_to_date.starts_on IS 'First day of the span: Y''s first day.';
COMMENT ON COLUMN @extschema@.statement_to_date.ends_on IS 'Day after the span: P''s ends_on.';
COMMENT ON COLUMN @extschema@.statement_to_date.line IS 'Table 2 line (wwva.statement_line.line).';
COMMENT ON COLUMN @extschema@.statement_to_date.item IS 'Line name (wwva.statement_line.item).';
COMMENT ON COLUMN @extschema@.statement_to_date.unit IS 'users, interactions, the ME''s currency, or currency per active user.';
COMMENT ON COLUMN @extschema@.statement_to_date.actual IS 'Exact value over the span; NULL for per-user lines at 0 active users.';
COMMENT ON COLUMN @extschema@.statement_to_date.target IS 'Y''s leading target from wwva.target, NULL when none is set.';
COMMENT ON COLUMN @extschema@.statement_to_date.variance IS 'actual - target.';
COMMENT ON COLUMN @extschema@.statement_to_date.achievement IS 'actual / target, rounded half away from zero to 4 decimals; NULL when the target is missing or 0.';
COMMENT ON COLUMN @extschema@.statement_to_date.line_no IS 'Position of the line in Table 2 order.';
COMMENT ON COLUMN @extschema@.statement_to_date.calendar IS 'Calendar of P.';
COMMENT ON COLUMN @extschema@.statement_to_date.to_date_calendar IS 'Calendar of Y.';
CREATE OR REPLACE VIEW @extschema@.emc_pools AS
SELECT c.emc_id,
       c.period_id,
       v.value_added,
       -- a pool is rates times value added: rounded to the shares' decimals
       pg_catalog.round(@extschema@.share_pool(
           v.value_added, c.leading_target,
           ARRAY(SELECT t.threshold FROM @extschema@.emc_tier t
                  WHERE t.emc_id = c.emc_id AND t.period_id = c.period_id ORDER BY t.threshold),
           ARRAY(SELECT t.rate FROM @extschema@.emc_tier t
                  WHERE t.emc_id = c.emc_id AND t.period_id = c.period_id ORDER BY t.threshold),
           c.pool_floor, c.pool_cap), c.share_scale) AS pool,
       c.leading_target,
       c.share_scale,
       pc.period_no,
       pc.starts_on,
       pc.ends_on,
       pc.calendar
  FROM @extschema@.emc_contract c
  JOIN @extschema@.period_calendar pc ON pc.period_id = c.period_id
  -- the member MEs' profits, in one pass over the ledger for every contract
  LEFT JOIN (SELECT m.emc_id, p.period_id, sum(p.total_profit) AS total_profit
               FROM @extschema@.emc_member m
               JOIN wwva_internal.profit_figures p ON p.me_id = m.member_id
              WHERE m.kind = 'me'
              GROUP BY m.emc_id, p.period_id) mp
         ON mp.emc_id = c.emc_id AND mp.period_id = c.period_id
 CROSS JOIN LATERAL (SELECT COALESCE(c.value_added, mp.total_profit, 0) AS value_added) v;
COMMENT ON COLUMN @extschema@.emc_pools.calendar IS 'Calendar of the period.';
CREATE OR REPLACE VIEW @extschema@.emc_shares AS
SELECT s.emc_id,
       s.period_id,
       l.member_id,
       l.kind,
       l.share,
       COALESCE(l.member_id, '(retained)') AS member_label,
       s.period_no,
       s.starts_on,
       s.ends_on,
       s.calendar
  FROM (SELECT p.emc_id,
               p.period_id,
               p.period_no,
               p.starts_on,
               p.ends_on,
               p.calendar,
               p.pool,
               (SELECT @extschema@.split(em.member_id, em.weight, em.lower_limit, em.upper_limit,
                                         p.pool, p.share_scale)
                  FROM @extschema@.emc_member em
                 WHERE em.emc_id = p.emc_id) AS shares
          FROM @extschema@.emc_pools p) s
 CROSS JOIN LATERAL (
        SELECT m.member_id, 'member'::text AS kind, m.share
          FROM unnest(s.shares) AS m
        UNION ALL
        SELECT NULL::text, 'retained'::text,
               s.pool - COALESCE((SELECT sum(m.share) FROM unnest(s.shares) AS m), 0)) AS l;
COMMENT ON COLUMN @extschema@.emc_shares.calendar IS 'Calendar of the period.';

-- ---------------------------------------------------------------------------
-- The materialized statement carries the calendar (sql/materialize.sql);
-- its lines stay, and the next refresh keeps them up to date.
-- ---------------------------------------------------------------------------
ALTER TABLE @extschema@.materialized_statement ADD COLUMN calendar text;
UPDATE @extschema@.materialized_statement s
   SET calendar = c.calendar
  FROM @extschema@.period_calendar c
 WHERE c.period_id OPERATOR(pg_catalog.=) s.period_id;
DELETE FROM @extschema@.materialized_statement s WHERE s.calendar IS NULL;
ALTER TABLE @extschema@.materialized_statement ALTER COLUMN calendar SET NOT NULL;
COMMENT ON COLUMN @extschema@.materialized_statement.calendar IS 'As in wwva.statement.';

-- ---------------------------------------------------------------------------
-- Views run as their reader (sql/finish.sql); the new building blocks in
-- wwva_internal may be read by anyone who reaches them through a view.
-- ---------------------------------------------------------------------------
-- (CREATE OR REPLACE VIEW above reset the options of the views it redefined)
DO $$
DECLARE
    v regclass;
BEGIN
    IF pg_catalog.current_setting('server_version_num')::integer >= 150000 THEN
        FOR v IN
            SELECT c.oid::regclass
              FROM pg_catalog.pg_class c
             WHERE c.relnamespace IN ('@extschema@'::regnamespace, 'wwva_internal'::regnamespace)
               AND c.relkind = 'v'
        LOOP
            EXECUTE pg_catalog.format('ALTER VIEW %s SET (security_invoker = true)', v);
        END LOOP;
        GRANT SELECT ON wwva_internal.period_grid, wwva_internal.period_spans,
                        wwva_internal.to_date_runs, wwva_internal.to_date_calendar,
                        wwva_internal.me_frame, wwva_internal.me_money, wwva_internal.me_users,
                        wwva_internal.to_date_me_money, wwva_internal.to_date_me_users,
                        wwva_internal.to_date_figures TO PUBLIC;
    END IF;
END
$$;

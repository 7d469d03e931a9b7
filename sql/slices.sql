-- ===========================================================================
-- Slices (src/slices.c): what the passes under a filtered view read
-- ===========================================================================
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

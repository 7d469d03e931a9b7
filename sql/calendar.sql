-- ===========================================================================
-- The calendar and the per-ME aggregates (0.3.0).
--
-- A wwva.calendar value carries the periods and every ME's settings and
-- time zone.  Given once per query as (SELECT wwva.current_calendar()), it
-- lets one aggregate over a whole ledger table assign every row to its ME
-- and period in C: no join to wwva.me, no time zone conversion through SQL
-- and no hashing of ME ids by the executor per row.  The aggregates work
-- the same with GROUP BY me_id, which is how a sharded ledger runs them
-- shard by shard.
-- ===========================================================================

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
-- Section 1 for every ME and period in one pass
-- ---------------------------------------------------------------------------
CREATE TYPE @extschema@.me_user_resource_counts AS (
    me_id             text,
    period_no         integer,
    interactive_users bigint,
    active_users      bigint,
    lifetime_users    bigint,
    user_makers       bigint
);
COMMENT ON TYPE @extschema@.me_user_resource_counts IS
'One ME and period of the per-ME wwva.user_resource_counts aggregate: the section 1 counts.';

CREATE FUNCTION @extschema@.me_user_counts_transition(internal, text, bigint, text, timestamptz,
                                                      @extschema@.calendar)
RETURNS internal AS 'MODULE_PATHNAME', 'wwva_me_user_counts_transition'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.me_user_counts_final(internal)
RETURNS @extschema@.me_user_resource_counts[] AS 'MODULE_PATHNAME', 'wwva_me_user_counts_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE @extschema@.user_resource_counts(
    me_id text, user_id bigint, kind text, occurred_at timestamptz,
    calendar @extschema@.calendar) (
    SFUNC = @extschema@.me_user_counts_transition,
    STYPE = internal,
    SSPACE = 65536,
    COMBINEFUNC = @extschema@.user_counts_combine,
    SERIALFUNC = @extschema@.user_counts_serialize,
    DESERIALFUNC = @extschema@.user_counts_deserialize,
    FINALFUNC = @extschema@.me_user_counts_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.user_resource_counts(text, bigint, text, timestamptz, @extschema@.calendar) IS
'Section 1 for every ME and period in one pass over user events: exact distinct interactive and active users, lifetime users and user-maker events, each event assigned by its date in its ME''s time zone. Works over a whole table or grouped by me_id; parallel and partial-aggregation safe. Returns wwva.me_user_resource_counts[] for the pairs with events.';
COMMENT ON FUNCTION @extschema@.me_user_counts_transition(internal, text, bigint, text, timestamptz, @extschema@.calendar) IS 'Support function of the per-ME wwva.user_resource_counts aggregate.';
COMMENT ON FUNCTION @extschema@.me_user_counts_final(internal) IS 'Support function of the per-ME wwva.user_resource_counts aggregate.';

-- ---------------------------------------------------------------------------
-- All money sums for every ME and period in one pass
-- ---------------------------------------------------------------------------
CREATE TYPE @extschema@.me_ledger_totals AS (
    me_id                   text,
    period_no               integer,
    hardware_revenue        numeric,
    hardware_cost           numeric,
    hardware_variable_cost  numeric,
    ecosystem_revenue       numeric,
    ecosystem_cost          numeric,
    ecosystem_variable_cost numeric
);
COMMENT ON TYPE @extschema@.me_ledger_totals IS
'One ME and period of the per-ME wwva.ledger_totals aggregate: revenue and cost per stream, and the variable part of each stream''s cost.';

CREATE FUNCTION @extschema@.me_ledger_totals_transition(internal, text, date, text, text, text,
                                                        numeric, @extschema@.calendar)
RETURNS internal AS 'MODULE_PATHNAME', 'wwva_me_ledger_totals_transition'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.me_ledger_totals_final(internal)
RETURNS @extschema@.me_ledger_totals[] AS 'MODULE_PATHNAME', 'wwva_me_ledger_totals_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE @extschema@.ledger_totals(
    me_id text, booked_on date, stream text, kind text, behavior text, amount numeric,
    calendar @extschema@.calendar) (
    SFUNC = @extschema@.me_ledger_totals_transition,
    STYPE = internal,
    SSPACE = 65536,
    COMBINEFUNC = @extschema@.ledger_totals_combine,
    SERIALFUNC = @extschema@.ledger_totals_serialize,
    DESERIALFUNC = @extschema@.ledger_totals_deserialize,
    FINALFUNC = @extschema@.me_ledger_totals_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.ledger_totals(text, date, text, text, text, numeric, @extschema@.calendar) IS
'Exact money sums for every ME and period in one pass over ledger postings, by stream, kind and cost behaviour. Works over a whole table or grouped by me_id; parallel and partial-aggregation safe. Returns wwva.me_ledger_totals[] for the pairs with postings.';
COMMENT ON FUNCTION @extschema@.me_ledger_totals_transition(internal, text, date, text, text, text, numeric, @extschema@.calendar) IS 'Support function of the per-ME wwva.ledger_totals aggregate.';
COMMENT ON FUNCTION @extschema@.me_ledger_totals_final(internal) IS 'Support function of the per-ME wwva.ledger_totals aggregate.';

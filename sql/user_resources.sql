-- ===========================================================================
-- User resources (src/user_agg.c and the files beside it): section 1
-- counts in one pass over wwva.user_event, per period of an ME, and the
-- stored user states wwva.refresh() keeps and merges.
--
-- Three forms of one aggregate, as for the ledger totals
-- (sql/ledger_totals.sql): wwva.user_resource_counts over one ME and
-- period, the per-ME form with a calendar, and
-- wwva.user_resource_counts_by_period for shards.
-- ===========================================================================

-- ---------------------------------------------------------------------------
-- wwva.user_resource_counts: section 1 for every period of an ME in one pass
-- ---------------------------------------------------------------------------
CREATE TYPE @extschema@.user_resource_counts AS (
    period_no         integer,
    interactive_users bigint,
    active_users      bigint,
    lifetime_users    bigint,
    user_makers       bigint
);
COMMENT ON TYPE @extschema@.user_resource_counts IS
'One period of the wwva.user_resource_counts aggregate: the period''s position and its section 1 counts.';

CREATE FUNCTION wwva_internal.user_counts_transition(internal, bigint, text, integer, integer, integer)
RETURNS internal AS 'MODULE_PATHNAME', 'wwva_user_counts_transition'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION wwva_internal.user_counts_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'wwva_user_counts_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION wwva_internal.user_counts_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'wwva_user_counts_serialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION wwva_internal.user_counts_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'wwva_user_counts_deserialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION wwva_internal.user_counts_final(internal)
RETURNS @extschema@.user_resource_counts[] AS 'MODULE_PATHNAME', 'wwva_user_counts_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE @extschema@.user_resource_counts(
    user_id bigint, kind text, period_no integer,
    min_transactions integer, lifetime_periods integer) (
    SFUNC = wwva_internal.user_counts_transition,
    STYPE = internal,
    SSPACE = 4096,
    COMBINEFUNC = wwva_internal.user_counts_combine,
    SERIALFUNC = wwva_internal.user_counts_serialize,
    DESERIALFUNC = wwva_internal.user_counts_deserialize,
    FINALFUNC = wwva_internal.user_counts_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.user_resource_counts(bigint, text, integer, integer, integer) IS
'Section 1 for every period of one ME in one pass over its events: exact distinct interactive and active users (>= min_transactions transactions), lifetime users (active in lifetime_periods consecutive periods with a co-creation in them) and user-maker events. Group by ME; period_no from wwva.period_index(). Parallel and partial-aggregation safe.';

COMMENT ON FUNCTION wwva_internal.user_counts_transition(internal, bigint, text, integer, integer, integer) IS 'Support function of the wwva.user_resource_counts aggregate.';
COMMENT ON FUNCTION wwva_internal.user_counts_combine(internal, internal) IS 'Support function of the wwva.user_resource_counts aggregate.';
COMMENT ON FUNCTION wwva_internal.user_counts_serialize(internal) IS 'Support function of the wwva.user_resource_counts aggregate.';
COMMENT ON FUNCTION wwva_internal.user_counts_deserialize(bytea, internal) IS 'Support function of the wwva.user_resource_counts aggregate; validates its input.';
COMMENT ON FUNCTION wwva_internal.user_counts_final(internal) IS 'Support function of the wwva.user_resource_counts aggregate.';
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

CREATE FUNCTION wwva_internal.me_user_counts_transition(internal, text, bigint, text, timestamptz,
                                                      @extschema@.calendar)
RETURNS internal AS 'MODULE_PATHNAME', 'wwva_me_user_counts_transition'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION wwva_internal.me_user_counts_final(internal)
RETURNS @extschema@.me_user_resource_counts[] AS 'MODULE_PATHNAME', 'wwva_me_user_counts_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE @extschema@.user_resource_counts(
    me_id text, user_id bigint, kind text, occurred_at timestamptz,
    calendar @extschema@.calendar) (
    SFUNC = wwva_internal.me_user_counts_transition,
    STYPE = internal,
    SSPACE = 65536,
    COMBINEFUNC = wwva_internal.user_counts_combine,
    SERIALFUNC = wwva_internal.user_counts_serialize,
    DESERIALFUNC = wwva_internal.user_counts_deserialize,
    FINALFUNC = wwva_internal.me_user_counts_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.user_resource_counts(text, bigint, text, timestamptz, @extschema@.calendar) IS
'Section 1 for every ME and period in one pass over user events: exact distinct interactive and active users, lifetime users and user-maker events, each event assigned by its date in its ME''s time zone. Works over a whole table or grouped by me_id; parallel and partial-aggregation safe. Returns wwva.me_user_resource_counts[] for the pairs with events.';
COMMENT ON FUNCTION wwva_internal.me_user_counts_transition(internal, text, bigint, text, timestamptz, @extschema@.calendar) IS 'Support function of the per-ME wwva.user_resource_counts aggregate.';
COMMENT ON FUNCTION wwva_internal.me_user_counts_final(internal) IS 'Support function of the per-ME wwva.user_resource_counts aggregate.';

-- ---------------------------------------------------------------------------
-- Scale-out (0.5.0): the per-ME aggregate in the form a shard computes
-- ---------------------------------------------------------------------------
-- Matrix-valued for postgres_fdw, as wwva.ledger_totals_by_period is
-- (sql/ledger_totals.sql).
CREATE FUNCTION wwva_internal.user_resource_counts_by_period_final(internal)
RETURNS bigint[] AS 'MODULE_PATHNAME', 'wwva_user_counts_by_period_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION wwva_internal.user_resource_counts_by_period_final(internal) IS
'Support function of the wwva.user_resource_counts_by_period aggregate.';

CREATE AGGREGATE @extschema@.user_resource_counts_by_period(
    me_id text, user_id bigint, kind text, occurred_at timestamptz,
    calendar @extschema@.calendar) (
    SFUNC = wwva_internal.me_user_counts_transition,
    STYPE = internal,
    SSPACE = 65536,
    COMBINEFUNC = wwva_internal.user_counts_combine,
    SERIALFUNC = wwva_internal.user_counts_serialize,
    DESERIALFUNC = wwva_internal.user_counts_deserialize,
    FINALFUNC = wwva_internal.user_resource_counts_by_period_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.user_resource_counts_by_period(text, bigint, text, timestamptz, @extschema@.calendar) IS
'wwva.user_resource_counts for one ME, grouped by me_id: a bigint matrix with one row per period with events, {period_no, interactive_users, active_users, lifetime_users, user_makers}. Built-in result type, so postgres_fdw can run it on a shard. Refuses a group holding two MEs.';

-- ---------------------------------------------------------------------------
-- One pass over wwva.user_event
-- ---------------------------------------------------------------------------
CREATE VIEW wwva_internal.me_users AS
SELECT e.me_id,
       @extschema@.user_resource_counts_by_period(e.me_id, e.user_id, e.kind, e.occurred_at,
                                                  (SELECT @extschema@.current_calendar())) AS counts
  FROM @extschema@.user_event e
 GROUP BY e.me_id;
COMMENT ON VIEW wwva_internal.me_users IS
'Per ME with events, the section 1 counts of its periods as a wwva.user_resource_counts_by_period matrix, from one pass over wwva.user_event grouped by ME (as wwva_internal.me_money).';

CREATE VIEW wwva_internal.user_figures AS
SELECT g.me_id,
       g.counts[i][1]::integer AS period_no,
       g.counts[i][2] AS interactive_users,
       g.counts[i][3] AS active_users,
       g.counts[i][4] AS lifetime_users,
       g.counts[i][5] AS user_makers
  FROM wwva_internal.me_users g
 CROSS JOIN LATERAL pg_catalog.generate_subscripts(g.counts, 1) AS i;
COMMENT ON VIEW wwva_internal.user_figures IS
'Section 1 counts per ME and period from one pass over wwva.user_event, grouped by ME (wwva.user_resource_counts_by_period); only pairs with events.';
COMMENT ON COLUMN wwva_internal.user_figures.me_id IS 'ME.';
COMMENT ON COLUMN wwva_internal.user_figures.period_no IS 'Period position (wwva.period_calendar.period_no).';
COMMENT ON COLUMN wwva_internal.user_figures.interactive_users IS 'Distinct users with an interaction event.';
COMMENT ON COLUMN wwva_internal.user_figures.active_users IS 'Distinct users with at least N transaction events.';
COMMENT ON COLUMN wwva_internal.user_figures.lifetime_users IS 'Active users active in the previous K-1 periods too, with a co-creation in those K periods.';
COMMENT ON COLUMN wwva_internal.user_figures.user_makers IS 'Count of customization events.';
-- ---------------------------------------------------------------------------
-- Stored user states: keep, merge, split and count them
-- ---------------------------------------------------------------------------
CREATE FUNCTION wwva_internal.user_state_final(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'wwva_user_state_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION wwva_internal.user_state_final(internal) IS
'Support function of the wwva.user_resource_state aggregate: the state by period_no, each period the union of its segments.';

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

CREATE FUNCTION wwva_internal.user_state_union_transition(internal, bytea)
RETURNS internal AS 'MODULE_PATHNAME', 'wwva_user_state_union_transition'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION wwva_internal.user_state_union_transition(internal, bytea) IS
'Support function of the wwva.user_resource_state(bytea) aggregate.';

CREATE AGGREGATE @extschema@.user_resource_state(state bytea) (
    SFUNC = wwva_internal.user_state_union_transition,
    STYPE = internal,
    SSPACE = 65536,
    COMBINEFUNC = wwva_internal.user_counts_combine,
    SERIALFUNC = wwva_internal.user_counts_serialize,
    DESERIALFUNC = wwva_internal.user_counts_deserialize,
    FINALFUNC = wwva_internal.user_counts_serialize,
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

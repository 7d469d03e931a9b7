-- ===========================================================================
-- Scale-out (0.5.0): the per-ME aggregates in the form a shard computes.
--
-- wwva.ledger and wwva.user_event are partitioned by me_id, so each ME's
-- rows can live on another server (a postgres_fdw foreign partition) or on
-- a Citus worker.  The section views group by me_id; with
-- enable_partitionwise_aggregate each partition is then aggregated on its
-- own, and postgres_fdw sends that aggregation to the shard whole.
--
-- postgres_fdw ships an expression only when its result type is built in
-- or a member of an extension the server lists in its `extensions` option,
-- and a composite type's (or an array type's) pg_type row is neither.  So
-- these two aggregates return one ME's periods as a built-in matrix: a
-- numeric[] or bigint[] with one row per period.  They share the
-- transition, combine and serialization functions of wwva.ledger_totals
-- and wwva.user_resource_counts.
-- ===========================================================================

CREATE FUNCTION @extschema@.ledger_totals_by_period_final(internal)
RETURNS numeric[] AS 'MODULE_PATHNAME', 'wwva_ledger_totals_by_period_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.ledger_totals_by_period_final(internal) IS
'Support function of the wwva.ledger_totals_by_period aggregate.';

CREATE AGGREGATE @extschema@.ledger_totals_by_period(
    me_id text, booked_on date, stream text, kind text, behavior text, amount numeric,
    calendar @extschema@.calendar) (
    SFUNC = @extschema@.me_ledger_totals_transition,
    STYPE = internal,
    SSPACE = 4096,
    COMBINEFUNC = @extschema@.ledger_totals_combine,
    SERIALFUNC = @extschema@.ledger_totals_serialize,
    DESERIALFUNC = @extschema@.ledger_totals_deserialize,
    FINALFUNC = @extschema@.ledger_totals_by_period_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.ledger_totals_by_period(text, date, text, text, text, numeric, @extschema@.calendar) IS
'wwva.ledger_totals for one ME, grouped by me_id: a numeric matrix with one row per period with postings, {period_no, hardware_revenue, hardware_cost, hardware_variable_cost, ecosystem_revenue, ecosystem_cost, ecosystem_variable_cost}. Built-in result type, so postgres_fdw can run it on a shard. Refuses a group holding two MEs.';

CREATE FUNCTION @extschema@.user_resource_counts_by_period_final(internal)
RETURNS bigint[] AS 'MODULE_PATHNAME', 'wwva_user_counts_by_period_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.user_resource_counts_by_period_final(internal) IS
'Support function of the wwva.user_resource_counts_by_period aggregate.';

CREATE AGGREGATE @extschema@.user_resource_counts_by_period(
    me_id text, user_id bigint, kind text, occurred_at timestamptz,
    calendar @extschema@.calendar) (
    SFUNC = @extschema@.me_user_counts_transition,
    STYPE = internal,
    SSPACE = 65536,
    COMBINEFUNC = @extschema@.user_counts_combine,
    SERIALFUNC = @extschema@.user_counts_serialize,
    DESERIALFUNC = @extschema@.user_counts_deserialize,
    FINALFUNC = @extschema@.user_resource_counts_by_period_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.user_resource_counts_by_period(text, bigint, text, timestamptz, @extschema@.calendar) IS
'wwva.user_resource_counts for one ME, grouped by me_id: a bigint matrix with one row per period with events, {period_no, interactive_users, active_users, lifetime_users, user_makers}. Built-in result type, so postgres_fdw can run it on a shard. Refuses a group holding two MEs.';

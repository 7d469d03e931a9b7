-- ===========================================================================
-- Ledger totals (src/ledger_agg.c): every money sum of the statement in
-- one pass over wwva.ledger, per period of an ME.
--
-- Three forms of one aggregate: wwva.ledger_totals over the rows of one
-- ME and period, the per-ME wwva.ledger_totals(me_id, ..., calendar) for
-- every period at once, and wwva.ledger_totals_by_period, the form a
-- shard computes (see below).  wwva_internal.money_figures reads the ledger once.
-- ===========================================================================

-- ---------------------------------------------------------------------------
-- wwva.ledger_totals: all money sums of a statement in one pass
-- ---------------------------------------------------------------------------
CREATE TYPE @extschema@.ledger_totals AS (
    hardware_revenue        numeric,
    hardware_cost           numeric,
    hardware_variable_cost  numeric,
    ecosystem_revenue       numeric,
    ecosystem_cost          numeric,
    ecosystem_variable_cost numeric
);
COMMENT ON TYPE @extschema@.ledger_totals IS
'Result of the wwva.ledger_totals aggregate: revenue and cost per stream, and the variable part of each stream''s cost.';

CREATE FUNCTION wwva_internal.ledger_totals_transition(internal, text, text, text, numeric)
RETURNS internal AS 'MODULE_PATHNAME', 'wwva_ledger_totals_transition'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION wwva_internal.ledger_totals_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'wwva_ledger_totals_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION wwva_internal.ledger_totals_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'wwva_ledger_totals_serialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION wwva_internal.ledger_totals_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'wwva_ledger_totals_deserialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION wwva_internal.ledger_totals_final(internal)
RETURNS @extschema@.ledger_totals AS 'MODULE_PATHNAME', 'wwva_ledger_totals_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE @extschema@.ledger_totals(stream text, kind text, behavior text, amount numeric) (
    SFUNC = wwva_internal.ledger_totals_transition,
    STYPE = internal,
    SSPACE = 64,
    COMBINEFUNC = wwva_internal.ledger_totals_combine,
    SERIALFUNC = wwva_internal.ledger_totals_serialize,
    DESERIALFUNC = wwva_internal.ledger_totals_deserialize,
    FINALFUNC = wwva_internal.ledger_totals_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.ledger_totals(text, text, text, numeric) IS
'Exact sums of ledger postings by stream, kind and cost behaviour in one pass; parallel and partial-aggregation safe. Returns wwva.ledger_totals (zeros over no rows).';

COMMENT ON FUNCTION wwva_internal.ledger_totals_transition(internal, text, text, text, numeric) IS 'Support function of the wwva.ledger_totals aggregate.';
COMMENT ON FUNCTION wwva_internal.ledger_totals_combine(internal, internal) IS 'Support function of the wwva.ledger_totals aggregate.';
COMMENT ON FUNCTION wwva_internal.ledger_totals_serialize(internal) IS 'Support function of the wwva.ledger_totals aggregate.';
COMMENT ON FUNCTION wwva_internal.ledger_totals_deserialize(bytea, internal) IS 'Support function of the wwva.ledger_totals aggregate; validates its input.';
COMMENT ON FUNCTION wwva_internal.ledger_totals_final(internal) IS 'Support function of the wwva.ledger_totals aggregate.';
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

CREATE FUNCTION wwva_internal.me_ledger_totals_transition(internal, text, date, text, text, text,
                                                        numeric, @extschema@.calendar)
RETURNS internal AS 'MODULE_PATHNAME', 'wwva_me_ledger_totals_transition'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION wwva_internal.me_ledger_totals_final(internal)
RETURNS @extschema@.me_ledger_totals[] AS 'MODULE_PATHNAME', 'wwva_me_ledger_totals_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE @extschema@.ledger_totals(
    me_id text, booked_on date, stream text, kind text, behavior text, amount numeric,
    calendar @extschema@.calendar) (
    SFUNC = wwva_internal.me_ledger_totals_transition,
    STYPE = internal,
    SSPACE = 65536,
    COMBINEFUNC = wwva_internal.ledger_totals_combine,
    SERIALFUNC = wwva_internal.ledger_totals_serialize,
    DESERIALFUNC = wwva_internal.ledger_totals_deserialize,
    FINALFUNC = wwva_internal.me_ledger_totals_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.ledger_totals(text, date, text, text, text, numeric, @extschema@.calendar) IS
'Exact money sums for every ME and period in one pass over ledger postings, by stream, kind and cost behaviour. Works over a whole table or grouped by me_id; parallel and partial-aggregation safe. Returns wwva.me_ledger_totals[] for the pairs with postings.';
COMMENT ON FUNCTION wwva_internal.me_ledger_totals_transition(internal, text, date, text, text, text, numeric, @extschema@.calendar) IS 'Support function of the per-ME wwva.ledger_totals aggregate.';
COMMENT ON FUNCTION wwva_internal.me_ledger_totals_final(internal) IS 'Support function of the per-ME wwva.ledger_totals aggregate.';

-- ---------------------------------------------------------------------------
-- Scale-out (0.5.0): the per-ME aggregate in the form a shard computes
-- ---------------------------------------------------------------------------
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

CREATE FUNCTION wwva_internal.ledger_totals_by_period_final(internal)
RETURNS numeric[] AS 'MODULE_PATHNAME', 'wwva_ledger_totals_by_period_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION wwva_internal.ledger_totals_by_period_final(internal) IS
'Support function of the wwva.ledger_totals_by_period aggregate.';

CREATE AGGREGATE @extschema@.ledger_totals_by_period(
    me_id text, booked_on date, stream text, kind text, behavior text, amount numeric,
    calendar @extschema@.calendar) (
    SFUNC = wwva_internal.me_ledger_totals_transition,
    STYPE = internal,
    SSPACE = 4096,
    COMBINEFUNC = wwva_internal.ledger_totals_combine,
    SERIALFUNC = wwva_internal.ledger_totals_serialize,
    DESERIALFUNC = wwva_internal.ledger_totals_deserialize,
    FINALFUNC = wwva_internal.ledger_totals_by_period_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.ledger_totals_by_period(text, date, text, text, text, numeric, @extschema@.calendar) IS
'wwva.ledger_totals for one ME, grouped by me_id: a numeric matrix with one row per period with postings, {period_no, hardware_revenue, hardware_cost, hardware_variable_cost, ecosystem_revenue, ecosystem_cost, ecosystem_variable_cost}. Built-in result type, so postgres_fdw can run it on a shard. Refuses a group holding two MEs.';

-- ---------------------------------------------------------------------------
-- One pass over wwva.ledger
-- ---------------------------------------------------------------------------
-- Grouped by me_id, the ME of the partition key: with
-- enable_partitionwise_aggregate each partition is aggregated on its own,
-- a foreign one on its shard (see the scale-out section above).  One row
-- per ME, its periods in a matrix: the views join a pair to its ME's row
-- and take the pair's period out with wwva_internal.matrix_row, so the
-- planner sees one row per ME where there is one, and a filter on me_id
-- reaches the ledger through the join.  The views call it as their
-- reader, so anyone may execute it (no one but the owner can name it).
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

CREATE VIEW wwva_internal.money_figures AS
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
COMMENT ON VIEW wwva_internal.money_figures IS
'Money sums per ME and period from one pass over wwva.ledger, grouped by ME (wwva.ledger_totals_by_period); only pairs with postings.';
COMMENT ON COLUMN wwva_internal.money_figures.me_id IS 'ME.';
COMMENT ON COLUMN wwva_internal.money_figures.period_no IS 'Period position (wwva.period_calendar.period_no).';
COMMENT ON COLUMN wwva_internal.money_figures.hardware_revenue IS 'Sum of hardware revenue postings.';
COMMENT ON COLUMN wwva_internal.money_figures.hardware_cost IS 'Sum of hardware cost postings, fixed and variable.';
COMMENT ON COLUMN wwva_internal.money_figures.hardware_variable_cost IS 'Sum of variable hardware cost postings.';
COMMENT ON COLUMN wwva_internal.money_figures.ecosystem_revenue IS 'Sum of ecosystem revenue postings.';
COMMENT ON COLUMN wwva_internal.money_figures.ecosystem_cost IS 'Sum of ecosystem cost postings, fixed and variable.';
COMMENT ON COLUMN wwva_internal.money_figures.ecosystem_variable_cost IS 'Sum of variable ecosystem cost postings.';

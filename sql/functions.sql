-- ===========================================================================
-- C functions and aggregates.  The views below use them for the heavy work;
-- analysts may call them directly too.
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
-- Per-active-user figures and sharing payouts (exact numeric)
-- ---------------------------------------------------------------------------
CREATE FUNCTION @extschema@.marginal_cost(variable_cost numeric, active_users bigint)
RETURNS numeric
AS 'MODULE_PATHNAME', 'wwva_marginal_cost'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.marginal_cost(numeric, bigint) IS
'Marginal cost per active user: variable_cost / active_users (lines 4c, 4d); NULL when active_users is 0. Exact when the quotient terminates.';

CREATE FUNCTION @extschema@.marginal_income(revenue numeric, variable_cost numeric, active_users bigint)
RETURNS numeric
AS 'MODULE_PATHNAME', 'wwva_marginal_income'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.marginal_income(numeric, numeric, bigint) IS
'Marginal income per active user: (revenue - variable_cost) / active_users (lines 5a, 5b); NULL when active_users is 0. Exact when the quotient terminates.';

CREATE FUNCTION @extschema@.sharing_amount(base numeric, rate numeric, floor numeric, cap numeric)
RETURNS numeric
AS 'MODULE_PATHNAME', 'wwva_sharing_amount'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.sharing_amount(numeric, numeric, numeric, numeric) IS
'A party''s share under a sharing rule (lines 2d-2f): rate x base clamped to [floor, cap]; 0 when base <= 0; NULL when base or rate is NULL. NULL floor or cap means unbounded.';

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

CREATE FUNCTION @extschema@.ledger_totals_transition(internal, text, text, text, numeric)
RETURNS internal AS 'MODULE_PATHNAME', 'wwva_ledger_totals_transition'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.ledger_totals_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'wwva_ledger_totals_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.ledger_totals_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'wwva_ledger_totals_serialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.ledger_totals_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'wwva_ledger_totals_deserialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.ledger_totals_final(internal)
RETURNS @extschema@.ledger_totals AS 'MODULE_PATHNAME', 'wwva_ledger_totals_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE @extschema@.ledger_totals(stream text, kind text, behavior text, amount numeric) (
    SFUNC = @extschema@.ledger_totals_transition,
    STYPE = internal,
    SSPACE = 64,
    COMBINEFUNC = @extschema@.ledger_totals_combine,
    SERIALFUNC = @extschema@.ledger_totals_serialize,
    DESERIALFUNC = @extschema@.ledger_totals_deserialize,
    FINALFUNC = @extschema@.ledger_totals_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.ledger_totals(text, text, text, numeric) IS
'Exact sums of ledger postings by stream, kind and cost behaviour in one pass; parallel and partial-aggregation safe. Returns wwva.ledger_totals (zeros over no rows).';

COMMENT ON FUNCTION @extschema@.ledger_totals_transition(internal, text, text, text, numeric) IS 'Support function of the wwva.ledger_totals aggregate.';
COMMENT ON FUNCTION @extschema@.ledger_totals_combine(internal, internal) IS 'Support function of the wwva.ledger_totals aggregate.';
COMMENT ON FUNCTION @extschema@.ledger_totals_serialize(internal) IS 'Support function of the wwva.ledger_totals aggregate.';
COMMENT ON FUNCTION @extschema@.ledger_totals_deserialize(bytea, internal) IS 'Support function of the wwva.ledger_totals aggregate; validates its input.';
COMMENT ON FUNCTION @extschema@.ledger_totals_final(internal) IS 'Support function of the wwva.ledger_totals aggregate.';

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

CREATE FUNCTION @extschema@.user_counts_transition(internal, bigint, text, integer, integer, integer)
RETURNS internal AS 'MODULE_PATHNAME', 'wwva_user_counts_transition'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.user_counts_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'wwva_user_counts_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.user_counts_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'wwva_user_counts_serialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.user_counts_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'wwva_user_counts_deserialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.user_counts_final(internal)
RETURNS @extschema@.user_resource_counts[] AS 'MODULE_PATHNAME', 'wwva_user_counts_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE @extschema@.user_resource_counts(
    user_id bigint, kind text, period_no integer,
    min_transactions integer, lifetime_periods integer) (
    SFUNC = @extschema@.user_counts_transition,
    STYPE = internal,
    SSPACE = 4096,
    COMBINEFUNC = @extschema@.user_counts_combine,
    SERIALFUNC = @extschema@.user_counts_serialize,
    DESERIALFUNC = @extschema@.user_counts_deserialize,
    FINALFUNC = @extschema@.user_counts_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.user_resource_counts(bigint, text, integer, integer, integer) IS
'Section 1 for every period of one ME in one pass over its events: exact distinct interactive and active users (>= min_transactions transactions), lifetime users (active in lifetime_periods consecutive periods with a co-creation in them) and user-maker events. Group by ME; period_no from wwva.period_index(). Parallel and partial-aggregation safe.';

COMMENT ON FUNCTION @extschema@.user_counts_transition(internal, bigint, text, integer, integer, integer) IS 'Support function of the wwva.user_resource_counts aggregate.';
COMMENT ON FUNCTION @extschema@.user_counts_combine(internal, internal) IS 'Support function of the wwva.user_resource_counts aggregate.';
COMMENT ON FUNCTION @extschema@.user_counts_serialize(internal) IS 'Support function of the wwva.user_resource_counts aggregate.';
COMMENT ON FUNCTION @extschema@.user_counts_deserialize(bytea, internal) IS 'Support function of the wwva.user_resource_counts aggregate; validates its input.';
COMMENT ON FUNCTION @extschema@.user_counts_final(internal) IS 'Support function of the wwva.user_resource_counts aggregate.';

-- ---------------------------------------------------------------------------
-- Sharing rules: the base a rule applies its rate to
-- ---------------------------------------------------------------------------
CREATE FUNCTION @extschema@.sharing_base(base text, hardware_profit numeric,
                                         ecosystem_profit numeric, total_profit_target numeric)
RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT CASE
         WHEN base OPERATOR(pg_catalog.=) 'total_profit'
           THEN hardware_profit OPERATOR(pg_catalog.+) ecosystem_profit
         WHEN base OPERATOR(pg_catalog.=) 'ecosystem_profit' THEN ecosystem_profit
         WHEN base OPERATOR(pg_catalog.=) 'hardware_profit' THEN hardware_profit
         WHEN base OPERATOR(pg_catalog.=) 'excess_over_target'
           THEN (hardware_profit OPERATOR(pg_catalog.+) ecosystem_profit)
                OPERATOR(pg_catalog.-) total_profit_target
       END
$$;
COMMENT ON FUNCTION @extschema@.sharing_base(text, numeric, numeric, numeric) IS
'The amount a sharing rule''s rate applies to: total, ecosystem or hardware profit, or total profit above its target (NULL without a target).';

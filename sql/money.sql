-- ===========================================================================
-- Money (src/money.c): exact per-active-user figures, the sharing rules'
-- bases and payouts, and the sharing rules' row check.
-- ===========================================================================

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
-- ---------------------------------------------------------------------------
-- A party's share under its rule, 0 when it has none
-- ---------------------------------------------------------------------------
CREATE FUNCTION @extschema@.rule_share(rule @extschema@.sharing_rule, hardware_profit numeric,
                                       ecosystem_profit numeric, total_profit_target numeric)
RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT CASE
         WHEN (rule).party IS NULL THEN 0
         ELSE @extschema@.sharing_amount(
                  @extschema@.sharing_base((rule).base, hardware_profit, ecosystem_profit,
                                           total_profit_target),
                  (rule).rate, (rule).floor, (rule).cap)
       END
$$;
COMMENT ON FUNCTION @extschema@.rule_share(@extschema@.sharing_rule, numeric, numeric, numeric) IS
'A party''s payout (lines 2d-2f) under its wwva.sharing_rule row for the given profits; 0 when the party has no rule (a NULL row).';

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

-- ---------------------------------------------------------------------------
-- A sharing rule is checked before it is stored
-- ---------------------------------------------------------------------------
CREATE FUNCTION wwva_internal.sharing_rule_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- (in a restore, the foreign key checks it once wwva.me is in)
    IF pg_catalog.current_setting('check_function_bodies') OPERATOR(pg_catalog.<>) 'off'
       AND NOT EXISTS (SELECT FROM @extschema@.me m WHERE m.me_id OPERATOR(pg_catalog.=) NEW.me_id) THEN
        RAISE EXCEPTION 'sharing rule for ME "%", party "%" names an unknown ME', NEW.me_id, NEW.party
            USING ERRCODE = 'foreign_key_violation',
                  HINT = 'Add the ME to wwva.me first.';
    END IF;
    IF NEW.party IS NULL OR NEW.party OPERATOR(pg_catalog.<>) ALL (ARRAY['users', 'investors', 'team']) THEN
        RAISE EXCEPTION 'sharing rule for ME "%" has unknown party "%"', NEW.me_id, NEW.party
            USING ERRCODE = 'check_violation',
                  HINT = 'party must be ''users'' (2d), ''investors'' (2e) or ''team'' (2f).';
    END IF;
    IF NEW.base IS NULL OR NEW.base OPERATOR(pg_catalog.<>) ALL
           (ARRAY['total_profit', 'ecosystem_profit', 'hardware_profit', 'excess_over_target']) THEN
        RAISE EXCEPTION 'sharing rule for ME "%", party "%" has unknown base "%"', NEW.me_id, NEW.party, NEW.base
            USING ERRCODE = 'check_violation',
                  HINT = 'base must be ''total_profit'', ''ecosystem_profit'', ''hardware_profit'' or ''excess_over_target''.';
    END IF;
    IF NEW.rate IS NULL OR NEW.rate OPERATOR(pg_catalog.<) 0
       OR NEW.rate OPERATOR(pg_catalog.=) ANY (ARRAY['NaN', 'Infinity']::numeric[]) THEN
        RAISE EXCEPTION 'sharing rule for ME "%", party "%" has rate %, which is not a finite number >= 0',
            NEW.me_id, NEW.party, COALESCE(NEW.rate::text, 'NULL')
            USING ERRCODE = 'check_violation',
                  HINT = 'Give the rate as a fraction of the base, e.g. 0.25 for 25%.';
    END IF;
    -- A rate is a fraction of the base: 10 would pay 1,000% of it.
    IF NEW.rate OPERATOR(pg_catalog.>) 1 THEN
        RAISE EXCEPTION 'sharing rule for ME "%", party "%" has rate %, more than the whole base',
            NEW.me_id, NEW.party, NEW.rate
            USING ERRCODE = 'check_violation',
                  HINT = 'Give the rate as a fraction of the base between 0 and 1: 0.10 for 10%, not 10.';
    END IF;
    IF NEW.floor OPERATOR(pg_catalog.<) 0 OR NEW.cap OPERATOR(pg_catalog.<) 0
       OR NEW.floor OPERATOR(pg_catalog.=) ANY (ARRAY['NaN', 'Infinity']::numeric[])
       OR NEW.cap OPERATOR(pg_catalog.=) ANY (ARRAY['NaN', 'Infinity']::numeric[]) THEN
        RAISE EXCEPTION 'sharing rule for ME "%", party "%" has floor % and cap %; both must be finite and >= 0',
            NEW.me_id, NEW.party, NEW.floor, NEW.cap
            USING ERRCODE = 'check_violation',
                  HINT = 'Use NULL for no floor or no cap.';
    END IF;
    IF NEW.floor OPERATOR(pg_catalog.>) NEW.cap THEN
        RAISE EXCEPTION 'sharing rule for ME "%", party "%" has floor % above cap %',
            NEW.me_id, NEW.party, NEW.floor, NEW.cap
            USING ERRCODE = 'check_violation',
                  HINT = 'The floor is the least and the cap the most the party receives: floor <= cap.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION wwva_internal.sharing_rule_check() IS
'Trigger: rejects a wwva.sharing_rule row with an unknown ME, party or base, a rate outside [0, 1], a negative or non-finite floor or cap, or a floor above the cap.';

CREATE TRIGGER sharing_rule_check BEFORE INSERT OR UPDATE ON @extschema@.sharing_rule
    FOR EACH ROW EXECUTE FUNCTION wwva_internal.sharing_rule_check();

-- ===========================================================================
-- EMC contracts: gated, tiered share pools and exact profit splits.
--
-- An ecosystem micro-community (EMC) unites MEs and outside partners around
-- one user scenario.  Its contract, agreed before production starts, sets
-- per period a leading target (the gate), a tiered schedule of marginal
-- rates over the EMC's value added, and bounds on the pool; each member has
-- a share weight and lower and upper limits on its share.
-- ===========================================================================

-- ---------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------
CREATE TABLE @extschema@.emc (
    emc_id       text PRIMARY KEY CONSTRAINT emc_id_not_empty CHECK (emc_id <> ''),
    name         text,
    leader_me_id text NOT NULL REFERENCES @extschema@.me ON UPDATE CASCADE
);
COMMENT ON TABLE @extschema@.emc IS
'Ecosystem micro-communities: MEs and outside partners bound by one contract around a user scenario.';
COMMENT ON COLUMN @extschema@.emc.emc_id IS 'Identifier of the EMC.';
COMMENT ON COLUMN @extschema@.emc.name IS 'Display name, e.g. the user scenario.';
COMMENT ON COLUMN @extschema@.emc.leader_me_id IS 'The initiating ME, which leads the EMC.';

CREATE TABLE @extschema@.emc_member (
    emc_id      text NOT NULL REFERENCES @extschema@.emc ON UPDATE CASCADE ON DELETE CASCADE,
    member_id   text NOT NULL CONSTRAINT emc_member_id_not_empty CHECK (member_id <> ''),
    kind        text NOT NULL DEFAULT 'me'
                CONSTRAINT emc_member_kind_known CHECK (kind IN ('me', 'partner')),
    weight      numeric NOT NULL
                CONSTRAINT emc_member_weight_range
                CHECK (weight >= 0 AND weight <> 'NaN'::numeric AND weight <> 'Infinity'::numeric),
    lower_limit numeric NOT NULL DEFAULT 0
                CONSTRAINT emc_member_lower_range
                CHECK (lower_limit >= 0 AND lower_limit <> 'NaN'::numeric AND lower_limit <> 'Infinity'::numeric),
    upper_limit numeric
                CONSTRAINT emc_member_upper_finite
                CHECK (upper_limit <> 'NaN'::numeric AND upper_limit <> 'Infinity'::numeric),
    CONSTRAINT emc_member_limits_ordered CHECK (lower_limit <= upper_limit),
    PRIMARY KEY (emc_id, member_id)
);
COMMENT ON TABLE @extschema@.emc_member IS
'Members of an EMC with their agreed share weight and the lower and upper limits of their share.';
COMMENT ON COLUMN @extschema@.emc_member.emc_id IS 'EMC.';
COMMENT ON COLUMN @extschema@.emc_member.member_id IS 'An me_id of wwva.me for kind ''me''; any identifier for an outside partner.';
COMMENT ON COLUMN @extschema@.emc_member.kind IS '''me'' (an ME of the group, whose total profit counts as the EMC''s value added) or ''partner'' (outside).';
COMMENT ON COLUMN @extschema@.emc_member.weight IS 'Share weight: the pool is split in proportion to the weights (multiply in a measured contribution if the contract says so).';
COMMENT ON COLUMN @extschema@.emc_member.lower_limit IS 'Least share the member receives whenever the pool is positive.';
COMMENT ON COLUMN @extschema@.emc_member.upper_limit IS 'Most share the member can receive; NULL for no limit.';

CREATE TABLE @extschema@.emc_contract (
    emc_id         text NOT NULL REFERENCES @extschema@.emc ON UPDATE CASCADE ON DELETE CASCADE,
    period_id      text NOT NULL REFERENCES @extschema@.period ON UPDATE CASCADE,
    leading_target numeric NOT NULL
                   CONSTRAINT emc_contract_target_finite
                   CHECK (leading_target <> 'NaN'::numeric AND leading_target <> 'Infinity'::numeric
                          AND leading_target <> '-Infinity'::numeric),
    pool_floor     numeric NOT NULL DEFAULT 0
                   CONSTRAINT emc_contract_floor_range
                   CHECK (pool_floor >= 0 AND pool_floor <> 'NaN'::numeric AND pool_floor <> 'Infinity'::numeric),
    pool_cap       numeric
                   CONSTRAINT emc_contract_cap_finite
                   CHECK (pool_cap <> 'NaN'::numeric AND pool_cap <> 'Infinity'::numeric),
    value_added    numeric
                   CONSTRAINT emc_contract_value_added_finite
                   CHECK (value_added <> 'NaN'::numeric AND value_added <> 'Infinity'::numeric
                          AND value_added <> '-Infinity'::numeric),
    share_scale    integer NOT NULL
                   CONSTRAINT emc_contract_scale_range CHECK (share_scale BETWEEN 0 AND 12),
    CONSTRAINT emc_contract_pool_bounds_ordered CHECK (pool_floor <= pool_cap),
    PRIMARY KEY (emc_id, period_id)
);
COMMENT ON TABLE @extschema@.emc_contract IS
'An EMC''s contract for one period: the gate, the pool''s bounds, and optionally the value added.';
COMMENT ON COLUMN @extschema@.emc_contract.emc_id IS 'EMC.';
COMMENT ON COLUMN @extschema@.emc_contract.period_id IS 'Period the contract governs.';
COMMENT ON COLUMN @extschema@.emc_contract.leading_target IS 'The gate: below this value added the pool is 0 and every share is 0.';
COMMENT ON COLUMN @extschema@.emc_contract.pool_floor IS 'Least pool once the gate is reached; must cover the members'' lower limits.';
COMMENT ON COLUMN @extschema@.emc_contract.pool_cap IS 'Most the pool can be; NULL for no cap.';
COMMENT ON COLUMN @extschema@.emc_contract.value_added IS 'The EMC''s value added for the period; NULL to use the sum of its member MEs'' total profit from the statement.';
COMMENT ON COLUMN @extschema@.emc_contract.share_scale IS 'Decimal digits of the pool and of each share; left out, the minor unit of the leader ME''s currency (2 for fen or cents, 0 for yen).';

CREATE TABLE @extschema@.emc_tier (
    emc_id    text NOT NULL,
    period_id text NOT NULL,
    threshold numeric NOT NULL
              CONSTRAINT emc_tier_threshold_finite
              CHECK (threshold <> 'NaN'::numeric AND threshold <> 'Infinity'::numeric
                     AND threshold <> '-Infinity'::numeric),
    rate      numeric NOT NULL
              CONSTRAINT emc_tier_rate_range
              CHECK (rate >= 0 AND rate <> 'NaN'::numeric AND rate <> 'Infinity'::numeric),
    PRIMARY KEY (emc_id, period_id, threshold),
    FOREIGN KEY (emc_id, period_id) REFERENCES @extschema@.emc_contract
        ON UPDATE CASCADE ON DELETE CASCADE
);
COMMENT ON TABLE @extschema@.emc_tier IS
'The share schedule: the pool gets rate of the value added between threshold and the next tier''s threshold (Haier: floor 20%, bid line 50%, ...).';
COMMENT ON COLUMN @extschema@.emc_tier.emc_id IS 'EMC.';
COMMENT ON COLUMN @extschema@.emc_tier.period_id IS 'Period of the contract.';
COMMENT ON COLUMN @extschema@.emc_tier.threshold IS 'Value added where the tier starts; not below the contract''s leading target.';
COMMENT ON COLUMN @extschema@.emc_tier.rate IS 'Marginal rate of the pool on value added in this tier, e.g. 0.20.';

-- ---------------------------------------------------------------------------
-- Validation: each row on its own, then the contract as a whole
-- ---------------------------------------------------------------------------
CREATE FUNCTION wwva_internal.emc_member_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NEW.kind IS NULL OR NEW.kind OPERATOR(pg_catalog.<>) ALL (ARRAY['me', 'partner']) THEN
        RAISE EXCEPTION 'EMC "%" member "%" has unknown kind "%"', NEW.emc_id, NEW.member_id, NEW.kind
            USING ERRCODE = 'check_violation',
                  HINT = 'kind must be ''me'' (an ME in wwva.me) or ''partner'' (outside the group).';
    END IF;
    -- (a restore, which may load wwva.me beside this table, brings rows
    -- that were checked when they were written)
    IF NEW.kind OPERATOR(pg_catalog.=) 'me'
       AND pg_catalog.current_setting('check_function_bodies') OPERATOR(pg_catalog.<>) 'off'
       AND NOT EXISTS (SELECT FROM @extschema@.me m WHERE m.me_id OPERATOR(pg_catalog.=) NEW.member_id) THEN
        RAISE EXCEPTION 'EMC "%" member "%" is of kind ''me'' but no such ME exists', NEW.emc_id, NEW.member_id
            USING ERRCODE = 'foreign_key_violation',
                  HINT = 'Add the ME to wwva.me first, or make the member a ''partner''.';
    END IF;
    IF NEW.weight IS NULL OR NEW.weight OPERATOR(pg_catalog.<) 0
       OR NEW.weight OPERATOR(pg_catalog.=) ANY (ARRAY['NaN', 'Infinity']::numeric[]) THEN
        RAISE EXCEPTION 'EMC "%" member "%" has weight %, which is not a finite number >= 0',
            NEW.emc_id, NEW.member_id, COALESCE(NEW.weight::text, 'NULL')
            USING ERRCODE = 'check_violation',
                  HINT = 'Share weights are 0 or more; the pool is split in proportion to them.';
    END IF;
    IF NEW.lower_limit IS NULL OR NEW.lower_limit OPERATOR(pg_catalog.<) 0
       OR NEW.lower_limit OPERATOR(pg_catalog.=) ANY (ARRAY['NaN', 'Infinity']::numeric[])
       OR NEW.upper_limit OPERATOR(pg_catalog.=) ANY (ARRAY['NaN', 'Infinity', '-Infinity']::numeric[]) THEN
        RAISE EXCEPTION 'EMC "%" member "%" has limits [%, %]; both must be finite and the lower >= 0',
            NEW.emc_id, NEW.member_id, COALESCE(NEW.lower_limit::text, 'NULL'), COALESCE(NEW.upper_limit::text, 'none')
            USING ERRCODE = 'check_violation',
                  HINT = 'lower_limit defaults to 0; use NULL upper_limit for no upper limit.';
    END IF;
    IF NEW.lower_limit OPERATOR(pg_catalog.>) NEW.upper_limit THEN
        RAISE EXCEPTION 'EMC "%" member "%" has lower limit % above upper limit %',
            NEW.emc_id, NEW.member_id, NEW.lower_limit, NEW.upper_limit
            USING ERRCODE = 'check_violation',
                  HINT = 'A member''s share lies in [lower_limit, upper_limit]: lower_limit <= upper_limit.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION wwva_internal.emc_member_check() IS
'Trigger: rejects a wwva.emc_member row with an unknown kind or ME, a negative or non-finite weight or limit, or lower > upper, naming the EMC and member.';

CREATE TRIGGER emc_member_check BEFORE INSERT OR UPDATE ON @extschema@.emc_member
    FOR EACH ROW EXECUTE FUNCTION wwva_internal.emc_member_check();

CREATE FUNCTION wwva_internal.emc_contract_row_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- A share has as many decimals as the leader's currency has: 2 for
    -- fen or cents, 0 for yen (2 when the currency has no minor unit).
    IF NEW.share_scale IS NULL THEN
        NEW.share_scale := COALESCE((SELECT cu.minor_unit
                                       FROM @extschema@.emc e
                                       JOIN @extschema@.me m ON m.me_id OPERATOR(pg_catalog.=) e.leader_me_id
                                       JOIN @extschema@.currency cu ON cu.code OPERATOR(pg_catalog.=) m.currency
                                      WHERE e.emc_id OPERATOR(pg_catalog.=) NEW.emc_id), 2);
    END IF;
    IF NEW.leading_target IS NULL
       OR NEW.leading_target OPERATOR(pg_catalog.=) ANY (ARRAY['NaN', 'Infinity', '-Infinity']::numeric[])
       OR NEW.value_added OPERATOR(pg_catalog.=) ANY (ARRAY['NaN', 'Infinity', '-Infinity']::numeric[])
       OR NEW.pool_floor OPERATOR(pg_catalog.=) ANY (ARRAY['NaN', 'Infinity']::numeric[])
       OR NEW.pool_cap OPERATOR(pg_catalog.=) ANY (ARRAY['NaN', 'Infinity', '-Infinity']::numeric[]) THEN
        RAISE EXCEPTION 'EMC "%" contract for period "%" has leading target %, value added %, pool floor % and cap %; all must be finite',
            NEW.emc_id, NEW.period_id, COALESCE(NEW.leading_target::text, 'NULL'),
            COALESCE(NEW.value_added::text, 'NULL'), NEW.pool_floor, COALESCE(NEW.pool_cap::text, 'NULL')
            USING ERRCODE = 'check_violation',
                  HINT = 'Give the gate and the pool bounds as finite numbers; NULL value_added and pool_cap mean "from the ledgers" and "no cap".';
    END IF;
    IF NEW.pool_floor OPERATOR(pg_catalog.>) NEW.pool_cap THEN
        RAISE EXCEPTION 'EMC "%" contract for period "%" has pool floor % above pool cap %',
            NEW.emc_id, NEW.period_id, NEW.pool_floor, NEW.pool_cap
            USING ERRCODE = 'check_violation',
                  HINT = 'The pool lies in [pool_floor, pool_cap]: pool_floor <= pool_cap.';
    END IF;
    IF NEW.pool_floor IS NULL OR NEW.pool_floor OPERATOR(pg_catalog.<) 0 THEN
        RAISE EXCEPTION 'EMC "%" contract for period "%" has pool floor %, which is not >= 0',
            NEW.emc_id, NEW.period_id, COALESCE(NEW.pool_floor::text, 'NULL')
            USING ERRCODE = 'check_violation',
                  HINT = 'pool_floor defaults to 0.';
    END IF;
    IF NEW.share_scale OPERATOR(pg_catalog.<) 0 OR NEW.share_scale OPERATOR(pg_catalog.>) 12 THEN
        RAISE EXCEPTION 'EMC "%" contract for period "%" has share_scale %, outside 0 to 12',
            NEW.emc_id, NEW.period_id, NEW.share_scale
            USING ERRCODE = 'check_violation',
                  HINT = 'share_scale is the number of decimal digits of a share, 2 for fen or cents.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION wwva_internal.emc_contract_row_check() IS
'Trigger: gives a wwva.emc_contract row without share_scale the minor unit of its leader''s currency; rejects one whose pool floor is negative or above its cap, naming the EMC and period.';

CREATE TRIGGER emc_contract_row_check BEFORE INSERT OR UPDATE ON @extschema@.emc_contract
    FOR EACH ROW EXECUTE FUNCTION wwva_internal.emc_contract_row_check();

CREATE FUNCTION wwva_internal.emc_tier_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NEW.threshold IS NULL
       OR NEW.threshold OPERATOR(pg_catalog.=) ANY (ARRAY['NaN', 'Infinity', '-Infinity']::numeric[]) THEN
        RAISE EXCEPTION 'EMC "%" contract for period "%" has a tier at %, which is not a finite number',
            NEW.emc_id, NEW.period_id, COALESCE(NEW.threshold::text, 'NULL')
            USING ERRCODE = 'check_violation',
                  HINT = 'A tier starts at a finite value added, at or above the leading target.';
    END IF;
    IF NEW.rate IS NULL OR NEW.rate OPERATOR(pg_catalog.<) 0
       OR NEW.rate OPERATOR(pg_catalog.=) ANY (ARRAY['NaN', 'Infinity']::numeric[]) THEN
        RAISE EXCEPTION 'EMC "%" contract for period "%": tier at % has rate %, which is not a finite number >= 0',
            NEW.emc_id, NEW.period_id, NEW.threshold, COALESCE(NEW.rate::text, 'NULL')
            USING ERRCODE = 'check_violation',
                  HINT = 'A tier''s rate is the pool''s share of the value added in that tier, e.g. 0.20.';
    END IF;
    IF NEW.rate OPERATOR(pg_catalog.>) 1 THEN
        RAISE EXCEPTION 'EMC "%" contract for period "%": tier at % has rate %, more than the whole value added in the tier',
            NEW.emc_id, NEW.period_id, NEW.threshold, NEW.rate
            USING ERRCODE = 'check_violation',
                  HINT = 'A tier''s rate is a fraction between 0 and 1: 0.20 for 20%, not 20.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION wwva_internal.emc_tier_check() IS
'Trigger: rejects a wwva.emc_tier row with a non-finite threshold or a rate outside [0, 1], naming the EMC and period.';

CREATE TRIGGER emc_tier_check BEFORE INSERT OR UPDATE ON @extschema@.emc_tier
    FOR EACH ROW EXECUTE FUNCTION wwva_internal.emc_tier_check();

-- The rules that span rows: members' lower limits must fit in every pool
-- floor, and no tier may start below its contract's gate.  They are checked
-- after each statement that touches an EMC (deferrable, so a transaction
-- may reshape a contract in several steps under SET CONSTRAINTS ... DEFERRED).
CREATE FUNCTION @extschema@.emc_check(emc text) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    bad record;
BEGIN
    -- Shares have share_scale digits, so limits count as the split uses
    -- them: lower limits rounded up, upper limits and the floor rounded down.
    SELECT c.period_id, c.share_scale, m.member_id, m.lower_limit, m.upper_limit INTO bad
      FROM @extschema@.emc_contract c
      JOIN @extschema@.emc_member m ON m.emc_id OPERATOR(pg_catalog.=) c.emc_id
     WHERE c.emc_id OPERATOR(pg_catalog.=) emc
       AND pg_catalog.ceil(m.lower_limit OPERATOR(pg_catalog.*) pg_catalog.power(10::numeric, c.share_scale))
           OPERATOR(pg_catalog.>)
           pg_catalog.floor(m.upper_limit OPERATOR(pg_catalog.*) pg_catalog.power(10::numeric, c.share_scale))
     ORDER BY c.period_id, m.member_id
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'EMC "%" contract for period "%": member "%" has limits [%, %], which hold no amount with % decimals',
            emc, bad.period_id, bad.member_id, bad.lower_limit, bad.upper_limit, bad.share_scale
            USING ERRCODE = 'check_violation',
                  HINT = 'Shares are rounded to the contract''s share_scale: give limits in whole minor units.';
    END IF;

    SELECT c.period_id, c.pool_floor, c.share_scale, s.lower_total, s.members INTO bad
      FROM @extschema@.emc_contract c
      CROSS JOIN LATERAL (
            SELECT pg_catalog.sum(pg_catalog.ceil(m.lower_limit OPERATOR(pg_catalog.*)
                                                  pg_catalog.power(10::numeric, c.share_scale)))
                   AS lower_total,
                   pg_catalog.string_agg(pg_catalog.format('"%s" %s', m.member_id, m.lower_limit), ', '
                                         ORDER BY m.member_id) AS members
              FROM @extschema@.emc_member m
             WHERE m.emc_id OPERATOR(pg_catalog.=) c.emc_id
               AND m.lower_limit OPERATOR(pg_catalog.>) 0) s
     WHERE c.emc_id OPERATOR(pg_catalog.=) emc
       AND s.lower_total OPERATOR(pg_catalog.>)
           pg_catalog.floor(c.pool_floor OPERATOR(pg_catalog.*) pg_catalog.power(10::numeric, c.share_scale))
     ORDER BY c.period_id
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'EMC "%" contract for period "%": members'' lower limits add up to %, more than the pool floor % (members %)',
            emc, bad.period_id,
            pg_catalog.round(bad.lower_total OPERATOR(pg_catalog./) pg_catalog.power(10::numeric, bad.share_scale), bad.share_scale),
            bad.pool_floor, bad.members
            USING ERRCODE = 'check_violation',
                  HINT = 'Raise the pool floor to at least the sum of the lower limits (rounded up to the share scale), or lower the members'' limits.';
    END IF;

    SELECT t.period_id, t.threshold, c.leading_target INTO bad
      FROM @extschema@.emc_tier t
      JOIN @extschema@.emc_contract c
        ON c.emc_id OPERATOR(pg_catalog.=) t.emc_id AND c.period_id OPERATOR(pg_catalog.=) t.period_id
     WHERE t.emc_id OPERATOR(pg_catalog.=) emc
       AND t.threshold OPERATOR(pg_catalog.<) c.leading_target
     ORDER BY t.period_id, t.threshold
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'EMC "%" contract for period "%": tier at % starts below the leading target %',
            emc, bad.period_id, bad.threshold, bad.leading_target
            USING ERRCODE = 'check_violation',
                  HINT = 'Below the leading target the pool is 0, so tiers start at or above it (a tier at the target pays a rate on the excess).';
    END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.emc_check(text) IS
'Validates an EMC''s contracts as a whole: lower limits within every pool floor, tiers at or above the gate. Raises an error naming the EMC, period and members.';

CREATE FUNCTION wwva_internal.emc_check_trigger() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP OPERATOR(pg_catalog.<>) 'DELETE' THEN
        PERFORM @extschema@.emc_check(NEW.emc_id);
    END IF;
    IF TG_OP OPERATOR(pg_catalog.<>) 'INSERT' AND OLD.emc_id IS DISTINCT FROM NEW.emc_id THEN
        PERFORM @extschema@.emc_check(OLD.emc_id);
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION wwva_internal.emc_check_trigger() IS
'Constraint trigger: runs wwva.emc_check for the EMC a changed member, contract or tier belongs to.';

CREATE CONSTRAINT TRIGGER emc_member_contract_check
    AFTER INSERT OR UPDATE ON @extschema@.emc_member DEFERRABLE INITIALLY IMMEDIATE
    FOR EACH ROW EXECUTE FUNCTION wwva_internal.emc_check_trigger();
CREATE CONSTRAINT TRIGGER emc_contract_contract_check
    AFTER INSERT OR UPDATE ON @extschema@.emc_contract DEFERRABLE INITIALLY IMMEDIATE
    FOR EACH ROW EXECUTE FUNCTION wwva_internal.emc_check_trigger();
CREATE CONSTRAINT TRIGGER emc_tier_contract_check
    AFTER INSERT OR UPDATE ON @extschema@.emc_tier DEFERRABLE INITIALLY IMMEDIATE
    FOR EACH ROW EXECUTE FUNCTION wwva_internal.emc_check_trigger();

-- An ME that is an EMC member cannot vanish or change its id under it.
CREATE FUNCTION wwva_internal.me_emc_member_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    membership record;
BEGIN
    IF TG_OP OPERATOR(pg_catalog.=) 'DELETE' OR NEW.me_id IS DISTINCT FROM OLD.me_id THEN
        SELECT m.emc_id INTO membership
          FROM @extschema@.emc_member m
         WHERE m.kind OPERATOR(pg_catalog.=) 'me' AND m.member_id OPERATOR(pg_catalog.=) OLD.me_id
         ORDER BY m.emc_id
         LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'ME "%" is member "%" of EMC "%"', OLD.me_id, OLD.me_id, membership.emc_id
                USING ERRCODE = 'foreign_key_violation',
                      HINT = 'Remove the ME from wwva.emc_member first.';
        END IF;
    END IF;
    IF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION wwva_internal.me_emc_member_check() IS
'Trigger: keeps an ME that is an EMC member (kind ''me'') from being deleted or renamed.';

CREATE TRIGGER me_emc_member_check BEFORE UPDATE OF me_id OR DELETE ON @extschema@.me
    FOR EACH ROW EXECUTE FUNCTION wwva_internal.me_emc_member_check();

SELECT pg_catalog.pg_extension_config_dump('@extschema@.emc', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.emc_member', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.emc_contract', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.emc_tier', '');

-- An EMC whose leader is missing or not an ME: the foreign key stays; this
-- trigger answers first, with the row named and the fix.
CREATE FUNCTION wwva_internal.emc_leader_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- (in a restore, the foreign key checks the leader once wwva.me is in)
    IF NEW.leader_me_id IS NULL
       OR (pg_catalog.current_setting('check_function_bodies') OPERATOR(pg_catalog.<>) 'off'
           AND NOT EXISTS (SELECT FROM @extschema@.me m WHERE m.me_id OPERATOR(pg_catalog.=) NEW.leader_me_id)) THEN
        RAISE EXCEPTION 'EMC "%" has leader "%", which is not an ME', NEW.emc_id, NEW.leader_me_id
            USING ERRCODE = 'foreign_key_violation',
                  HINT = 'The leader is the ME that leads the EMC: add it to wwva.me first.';
    END IF;
    RETURN NEW;
END $$;
COMMENT ON FUNCTION wwva_internal.emc_leader_check() IS
'Trigger: rejects a wwva.emc row whose leader is missing or not in wwva.me, with a hint.';
CREATE TRIGGER emc_leader_check BEFORE INSERT OR UPDATE ON @extschema@.emc
    FOR EACH ROW EXECUTE FUNCTION wwva_internal.emc_leader_check();

-- ---------------------------------------------------------------------------
-- C functions: the pool and its split
-- ---------------------------------------------------------------------------
CREATE FUNCTION @extschema@.share_pool(value_added numeric, gate numeric, thresholds numeric[],
                                       rates numeric[], pool_floor numeric, pool_cap numeric)
RETURNS numeric
AS 'MODULE_PATHNAME', 'wwva_share_pool'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.share_pool(numeric, numeric, numeric[], numeric[], numeric, numeric) IS
'The share pool of a tiered schedule: 0 when value_added is below the gate; otherwise rates[i] on the value added between thresholds[i] and thresholds[i+1], summed, then bounded by pool_floor and pool_cap (NULL: no bound). NULL value_added gives NULL.';

CREATE FUNCTION @extschema@.allocate(pool numeric, weights numeric[], lower numeric[], upper numeric[],
                                     scale integer DEFAULT 2)
RETURNS numeric[]
AS 'MODULE_PATHNAME', 'wwva_allocate'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.allocate(numeric, numeric[], numeric[], numeric[], integer) IS
'Splits pool by weights within each member''s [lower, upper] (water-filling until stable), rounded to scale digits by largest remainder with ties to the earlier position. pool - sum(result) is what no member could take. NULL lower or upper (array or element): 0 and unbounded.';

CREATE TYPE @extschema@.member_share AS (member_id text, share numeric);
COMMENT ON TYPE @extschema@.member_share IS 'One member''s share, as returned by the wwva.split aggregate.';

CREATE FUNCTION wwva_internal.split_transition(internal, text, numeric, numeric, numeric, numeric, integer)
RETURNS internal AS 'MODULE_PATHNAME', 'wwva_split_transition'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION wwva_internal.split_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'wwva_split_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION wwva_internal.split_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'wwva_split_serialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION wwva_internal.split_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'wwva_split_deserialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION wwva_internal.split_final(internal)
RETURNS @extschema@.member_share[] AS 'MODULE_PATHNAME', 'wwva_split_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE @extschema@.split(member_id text, weight numeric, lower numeric, upper numeric,
                                   pool numeric, scale integer) (
    SFUNC = wwva_internal.split_transition,
    STYPE = internal,
    COMBINEFUNC = wwva_internal.split_combine,
    SERIALFUNC = wwva_internal.split_serialize,
    DESERIALFUNC = wwva_internal.split_deserialize,
    FINALFUNC = wwva_internal.split_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.split(text, numeric, numeric, numeric, numeric, integer) IS
'wwva.allocate over member rows, inside GROUP BY: one pool per group, members ordered by id (byte order), so ties go to the smaller id and the result does not depend on row order. Returns wwva.member_share[] by member id.';
COMMENT ON FUNCTION wwva_internal.split_transition(internal, text, numeric, numeric, numeric, numeric, integer) IS 'Support function of the wwva.split aggregate.';
COMMENT ON FUNCTION wwva_internal.split_combine(internal, internal) IS 'Support function of the wwva.split aggregate.';
COMMENT ON FUNCTION wwva_internal.split_serialize(internal) IS 'Support function of the wwva.split aggregate.';
COMMENT ON FUNCTION wwva_internal.split_deserialize(bytea, internal) IS 'Support function of the wwva.split aggregate; validates its input.';
COMMENT ON FUNCTION wwva_internal.split_final(internal) IS 'Support function of the wwva.split aggregate.';

-- ---------------------------------------------------------------------------
-- The shares
-- ---------------------------------------------------------------------------
CREATE VIEW @extschema@.emc_pools AS
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
COMMENT ON VIEW @extschema@.emc_pools IS
'Per EMC contract and period: the value added (contract override, else the sum of member MEs'' total profit), the gate and the resulting share pool.';
COMMENT ON COLUMN @extschema@.emc_pools.emc_id IS 'EMC.';
COMMENT ON COLUMN @extschema@.emc_pools.period_id IS 'Period.';
COMMENT ON COLUMN @extschema@.emc_pools.value_added IS 'The EMC''s value added for the period.';
COMMENT ON COLUMN @extschema@.emc_pools.pool IS 'The share pool: wwva.share_pool over the contract''s tiers, rounded half away from zero to share_scale decimals; 0 below the gate.';
COMMENT ON COLUMN @extschema@.emc_pools.leading_target IS 'The gate.';
COMMENT ON COLUMN @extschema@.emc_pools.share_scale IS 'Decimal digits of the pool and of each share.';
COMMENT ON COLUMN @extschema@.emc_pools.period_no IS 'Period position (wwva.period_calendar.period_no).';
COMMENT ON COLUMN @extschema@.emc_pools.starts_on IS 'First day of the period.';
COMMENT ON COLUMN @extschema@.emc_pools.ends_on IS 'Day after the period''s last day (periods are half-open: [starts_on, ends_on)).';
COMMENT ON COLUMN @extschema@.emc_pools.calendar IS 'Calendar of the period.';

CREATE VIEW @extschema@.emc_shares AS
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
COMMENT ON VIEW @extschema@.emc_shares IS
'For every EMC contract and period: each member''s share of the pool, plus a retained row for what no member could take (all capped, or below the minor unit). Shares + retained = pool, exactly.';
COMMENT ON COLUMN @extschema@.emc_shares.emc_id IS 'EMC.';
COMMENT ON COLUMN @extschema@.emc_shares.period_id IS 'Period.';
COMMENT ON COLUMN @extschema@.emc_shares.member_id IS 'Member; NULL on the retained row.';
COMMENT ON COLUMN @extschema@.emc_shares.kind IS '''member'' or ''retained''.';
COMMENT ON COLUMN @extschema@.emc_shares.share IS 'Amount, rounded to the contract''s share_scale by largest remainder.';
COMMENT ON COLUMN @extschema@.emc_shares.member_label IS 'What to show for the row: the member''s id, or ''(retained)''.';
COMMENT ON COLUMN @extschema@.emc_shares.period_no IS 'Period position (wwva.period_calendar.period_no).';
COMMENT ON COLUMN @extschema@.emc_shares.starts_on IS 'First day of the period.';
COMMENT ON COLUMN @extschema@.emc_shares.ends_on IS 'Day after the period''s last day (periods are half-open: [starts_on, ends_on)).';
COMMENT ON COLUMN @extschema@.emc_shares.calendar IS 'Calendar of the period.';

-- ===========================================================================
-- Section 4: cost and marginal cost
-- ===========================================================================
CREATE VIEW @extschema@.costs AS
SELECT f.me_id,
       f.period_id,
       f.hardware_cost,
       f.hardware_variable_cost,
       f.ecosystem_cost,
       f.ecosystem_variable_cost,
       f.total_cost,
       f.hardware_marginal_cost,
       f.ecosystem_marginal_cost
  FROM @extschema@.figures f;
COMMENT ON VIEW @extschema@.costs IS
'WWVA section 4, cost and marginal cost: one row per ME per period. Marginal costs are per active user and NULL at 0 active users.';
COMMENT ON COLUMN @extschema@.costs.me_id IS 'ME.';
COMMENT ON COLUMN @extschema@.costs.period_id IS 'Period.';
COMMENT ON COLUMN @extschema@.costs.hardware_cost IS '4a: all hardware cost, fixed and variable.';
COMMENT ON COLUMN @extschema@.costs.hardware_variable_cost IS 'Variable part of 4a.';
COMMENT ON COLUMN @extschema@.costs.ecosystem_cost IS '4b: all ecosystem cost.';
COMMENT ON COLUMN @extschema@.costs.ecosystem_variable_cost IS 'Variable part of 4b.';
COMMENT ON COLUMN @extschema@.costs.total_cost IS 'Total cost: 4a + 4b.';
COMMENT ON COLUMN @extschema@.costs.hardware_marginal_cost IS '4c: variable hardware cost / active users (1b), per active user.';
COMMENT ON COLUMN @extschema@.costs.ecosystem_marginal_cost IS '4d: variable ecosystem cost / active users (1b), per active user.';

-- ===========================================================================
-- Section 5: marginal income per active user
-- ===========================================================================
CREATE VIEW @extschema@.marginal_income AS
SELECT f.me_id,
       f.period_id,
       f.hardware_marginal_income,
       f.ecosystem_marginal_income,
       f.total_marginal_income
  FROM @extschema@.figures f;
COMMENT ON VIEW @extschema@.marginal_income IS
'WWVA section 5, marginal income per active user: one row per ME per period; NULL at 0 active users.';
COMMENT ON COLUMN @extschema@.marginal_income.me_id IS 'ME.';
COMMENT ON COLUMN @extschema@.marginal_income.period_id IS 'Period.';
COMMENT ON COLUMN @extschema@.marginal_income.hardware_marginal_income IS '5a: (3a - variable hardware cost) / 1b.';
COMMENT ON COLUMN @extschema@.marginal_income.ecosystem_marginal_income IS '5b: (3b - variable ecosystem cost) / 1b.';
COMMENT ON COLUMN @extschema@.marginal_income.total_marginal_income IS '5c: 5a + 5b.';

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
       f.ecosystem_marginal_cost,
       f.period_no,
       f.starts_on,
       f.ends_on,
       f.calendar
  FROM @extschema@.figures f;
COMMENT ON VIEW @extschema@.costs IS
'WWVA section 4, cost and marginal cost: one row per ME per period. Marginal costs are per active user and NULL at 0 active users.';
COMMENT ON COLUMN @extschema@.costs.me_id IS 'ME.';
COMMENT ON COLUMN @extschema@.costs.period_id IS 'Period.';
COMMENT ON COLUMN @extschema@.costs.period_no IS 'Period position (wwva.period_calendar.period_no).';
COMMENT ON COLUMN @extschema@.costs.starts_on IS 'First day of the period.';
COMMENT ON COLUMN @extschema@.costs.ends_on IS 'Day after the period''s last day (periods are half-open: [starts_on, ends_on)).';
COMMENT ON COLUMN @extschema@.costs.calendar IS 'Calendar of the period.';
-- The line columns' comments are written from wwva.statement_line (sql/statement.sql).

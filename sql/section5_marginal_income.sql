-- ===========================================================================
-- Section 5: marginal income per active user
-- ===========================================================================
CREATE VIEW @extschema@.marginal_income AS
SELECT f.me_id,
       f.period_id,
       f.hardware_marginal_income,
       f.ecosystem_marginal_income,
       f.total_marginal_income,
       f.period_no,
       f.starts_on,
       f.ends_on,
       f.calendar
  FROM @extschema@.figures f;
COMMENT ON VIEW @extschema@.marginal_income IS
'WWVA section 5, marginal income per active user: one row per ME per period; NULL at 0 active users.';
COMMENT ON COLUMN @extschema@.marginal_income.me_id IS 'ME.';
COMMENT ON COLUMN @extschema@.marginal_income.period_id IS 'Period.';
COMMENT ON COLUMN @extschema@.marginal_income.period_no IS 'Period position (wwva.period_calendar.period_no).';
COMMENT ON COLUMN @extschema@.marginal_income.starts_on IS 'First day of the period.';
COMMENT ON COLUMN @extschema@.marginal_income.ends_on IS 'Day after the period''s last day (periods are half-open: [starts_on, ends_on)).';
COMMENT ON COLUMN @extschema@.marginal_income.calendar IS 'Calendar of the period.';
-- The line columns' comments are written from wwva.statement_line (sql/statement.sql).

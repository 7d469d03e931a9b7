-- ===========================================================================
-- Section 2: sharing of profits (value added and who gets it)
-- ===========================================================================
CREATE VIEW @extschema@.value_added_sharing AS
SELECT p.me_id,
       p.period_id,
       p.hardware_profit,
       p.ecosystem_profit,
       p.total_profit,
       p.users_share,
       p.investors_share,
       p.team_share,
       p.total_sharing,
       p.period_no,
       p.starts_on,
       p.ends_on,
       p.calendar
  FROM wwva_internal.profit_figures p;
COMMENT ON VIEW @extschema@.value_added_sharing IS
'WWVA section 2, sharing of profits: one row per ME per period, amounts in the ME''s currency unit. Shares follow wwva.sharing_rule.';
COMMENT ON COLUMN @extschema@.value_added_sharing.me_id IS 'ME.';
COMMENT ON COLUMN @extschema@.value_added_sharing.period_id IS 'Period.';
COMMENT ON COLUMN @extschema@.value_added_sharing.period_no IS 'Period position (wwva.period_calendar.period_no).';
COMMENT ON COLUMN @extschema@.value_added_sharing.starts_on IS 'First day of the period.';
COMMENT ON COLUMN @extschema@.value_added_sharing.ends_on IS 'Day after the period''s last day (periods are half-open: [starts_on, ends_on)).';
COMMENT ON COLUMN @extschema@.value_added_sharing.calendar IS 'Calendar of the period.';
-- The line columns' comments are written from wwva.statement_line (sql/statement.sql).

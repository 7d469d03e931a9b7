-- ===========================================================================
-- Section 3: revenues
-- ===========================================================================
CREATE VIEW @extschema@.revenues AS
SELECT p.me_id,
       p.period_id,
       p.hardware_revenue,
       p.ecosystem_revenue,
       p.total_revenue,
       p.period_no,
       p.starts_on,
       p.ends_on,
       p.calendar
  FROM wwva_internal.profit_figures p;
COMMENT ON VIEW @extschema@.revenues IS
'WWVA section 3, revenues: one row per ME per period, in the ME''s currency unit.';
COMMENT ON COLUMN @extschema@.revenues.me_id IS 'ME.';
COMMENT ON COLUMN @extschema@.revenues.period_id IS 'Period.';
COMMENT ON COLUMN @extschema@.revenues.period_no IS 'Period position (wwva.period_calendar.period_no).';
COMMENT ON COLUMN @extschema@.revenues.starts_on IS 'First day of the period.';
COMMENT ON COLUMN @extschema@.revenues.ends_on IS 'Day after the period''s last day (periods are half-open: [starts_on, ends_on)).';
COMMENT ON COLUMN @extschema@.revenues.calendar IS 'Calendar of the period.';
-- The line columns' comments are written from wwva.statement_line (sql/statement.sql).

-- ===========================================================================
-- Section 1: user resources (counts of users, not money)
-- ===========================================================================
CREATE VIEW @extschema@.user_resources AS
SELECT m.me_id,
       c.period_id,
       COALESCE(k.counts[2], 0) AS interactive_users,
       COALESCE(k.counts[3], 0) AS active_users,
       COALESCE(k.counts[4], 0) AS lifetime_users,
       COALESCE(k.counts[5], 0) AS user_makers,
       c.period_no,
       c.starts_on,
       c.ends_on,
       c.calendar
  FROM @extschema@.me m
 CROSS JOIN @extschema@.period_calendar c
  LEFT JOIN wwva_internal.me_users u ON u.me_id = m.me_id
 CROSS JOIN LATERAL (SELECT wwva_internal.matrix_row(u.counts, c.period_no) AS counts OFFSET 0) k;
COMMENT ON VIEW @extschema@.user_resources IS
'WWVA section 1, user resources: one row per ME per period, from one pass over wwva.user_event.';
COMMENT ON COLUMN @extschema@.user_resources.me_id IS 'ME.';
COMMENT ON COLUMN @extschema@.user_resources.period_id IS 'Period.';
COMMENT ON COLUMN @extschema@.user_resources.period_no IS 'Period position (wwva.period_calendar.period_no).';
COMMENT ON COLUMN @extschema@.user_resources.starts_on IS 'First day of the period.';
COMMENT ON COLUMN @extschema@.user_resources.ends_on IS 'Day after the period''s last day (periods are half-open: [starts_on, ends_on)).';
COMMENT ON COLUMN @extschema@.user_resources.calendar IS 'Calendar of the period.';
-- The line columns' comments are written from wwva.statement_line (sql/statement.sql).

-- ===========================================================================
-- Section 1: user resources (counts of users, not money)
-- ===========================================================================
CREATE VIEW @extschema@.user_resources AS
SELECT m.me_id,
       c.period_id,
       COALESCE(u.interactive_users, 0) AS interactive_users,
       COALESCE(u.active_users, 0) AS active_users,
       COALESCE(u.lifetime_users, 0) AS lifetime_users,
       COALESCE(u.user_makers, 0) AS user_makers
  FROM @extschema@.me m
 CROSS JOIN @extschema@.period_calendar c
  LEFT JOIN @extschema@.user_figures u
         ON u.me_id = m.me_id AND u.period_no = c.period_no;
COMMENT ON VIEW @extschema@.user_resources IS
'WWVA section 1, user resources: one row per ME per period, from one pass over wwva.user_event.';
COMMENT ON COLUMN @extschema@.user_resources.me_id IS 'ME.';
COMMENT ON COLUMN @extschema@.user_resources.period_id IS 'Period.';
COMMENT ON COLUMN @extschema@.user_resources.interactive_users IS
'1a: distinct users with at least one interaction (design iteration) event in the period.';
COMMENT ON COLUMN @extschema@.user_resources.active_users IS
'1b: distinct users with at least N transaction events in the period (N = wwva.me.active_min_transactions).';
COMMENT ON COLUMN @extschema@.user_resources.lifetime_users IS
'1c: active users who were also active in each of the previous K-1 periods and co-created within those K periods (K = wwva.me.lifetime_periods).';
COMMENT ON COLUMN @extschema@.user_resources.user_makers IS
'1d: volume of user-customization interactions (a count of events, not of users).';

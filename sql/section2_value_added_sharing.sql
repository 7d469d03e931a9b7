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
       p.total_sharing
  FROM @extschema@.profit_figures p;
COMMENT ON VIEW @extschema@.value_added_sharing IS
'WWVA section 2, sharing of profits: one row per ME per period, amounts in the ME''s currency unit. Shares follow wwva.sharing_rule.';
COMMENT ON COLUMN @extschema@.value_added_sharing.me_id IS 'ME.';
COMMENT ON COLUMN @extschema@.value_added_sharing.period_id IS 'Period.';
COMMENT ON COLUMN @extschema@.value_added_sharing.hardware_profit IS '2a: hardware revenue - hardware cost (3a - 4a).';
COMMENT ON COLUMN @extschema@.value_added_sharing.ecosystem_profit IS '2b: ecosystem revenue - ecosystem cost (3b - 4b).';
COMMENT ON COLUMN @extschema@.value_added_sharing.total_profit IS '2c: 2a + 2b.';
COMMENT ON COLUMN @extschema@.value_added_sharing.users_share IS
'2d: to ecosystem active users, by the ME''s ''users'' sharing rule; 0 without a rule or when the base is <= 0; NULL for an excess rule without a total_profit target.';
COMMENT ON COLUMN @extschema@.value_added_sharing.investors_share IS
'2e: to capital investors, by the ''investors'' sharing rule.';
COMMENT ON COLUMN @extschema@.value_added_sharing.team_share IS
'2f: to the ME team, by the ''team'' sharing rule.';
COMMENT ON COLUMN @extschema@.value_added_sharing.total_sharing IS '2g: 2d + 2e + 2f.';

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
  FROM wwva_internal.profit_figures p;
COMMENT ON VIEW @extschema@.value_added_sharing IS
'WWVA section 2, sharing of profits: one row per ME per period, amounts in the ME''s currency unit. Shares follow wwva.sharing_rule.';
COMMENT ON COLUMN @extschema@.value_added_sharing.me_id IS 'ME.';
COMMENT ON COLUMN @extschema@.value_added_sharing.period_id IS 'Period.';
-- The line columns' comments are written from wwva.statement_line (sql/statement.sql).

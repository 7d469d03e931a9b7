-- ===========================================================================
-- Section 3: revenues
-- ===========================================================================
CREATE VIEW @extschema@.revenues AS
SELECT p.me_id,
       p.period_id,
       p.hardware_revenue,
       p.ecosystem_revenue,
       p.total_revenue
  FROM @extschema@.profit_figures p;
COMMENT ON VIEW @extschema@.revenues IS
'WWVA section 3, revenues: one row per ME per period, in the ME''s currency unit.';
COMMENT ON COLUMN @extschema@.revenues.me_id IS 'ME.';
COMMENT ON COLUMN @extschema@.revenues.period_id IS 'Period.';
COMMENT ON COLUMN @extschema@.revenues.hardware_revenue IS '3a: revenue from selling networked appliances.';
COMMENT ON COLUMN @extschema@.revenues.ecosystem_revenue IS '3b: differential revenue from the ecosystem (partners'' services, commissions, ads, data services).';
COMMENT ON COLUMN @extschema@.revenues.total_revenue IS '3c: 3a + 3b.';

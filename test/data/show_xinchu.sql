-- The Xinchu WWVA statement in the layout of Table 2: one row per line,
-- one column pair (actual, target) per year.  Money lines are shown in
-- RMB 10,000 as in the article; per-user lines in RMB per active user.
\pset footer off
\pset null '-'
SELECT s.line,
       s.item,
       CASE WHEN s.unit = 'RMB' THEN 'RMB 10,000' ELSE s.unit END AS unit,
       max(s.shown_actual) FILTER (WHERE s.period_id = '2016') AS "2016 actual",
       max(s.shown_target) FILTER (WHERE s.period_id = '2016') AS "2016 target",
       max(s.shown_actual) FILTER (WHERE s.period_id = '2017') AS "2017 actual",
       max(s.shown_target) FILTER (WHERE s.period_id = '2017') AS "2017 target"
  FROM (SELECT st.*,
               CASE WHEN st.unit = 'RMB' THEN round(st.actual / 10000, 2) ELSE st.actual END AS shown_actual,
               CASE WHEN st.unit = 'RMB' THEN round(st.target / 10000, 2) ELSE st.target END AS shown_target
          FROM wwva.statement st
         WHERE st.me_id = 'xinchu' AND st.period_id IN ('2016', '2017')) s
 GROUP BY s.line_no, s.line, s.item, s.unit
 ORDER BY s.line_no;

-- The smart-kitchen EMC led by Xinchu: the pool its contract gives each
-- year, and each member's exact share (RMB); shares + retained = pool.
SELECT emc_id, period_id, value_added, leading_target AS gate, pool
  FROM wwva.emc_pools
 WHERE emc_id = 'smart_kitchen'
 ORDER BY period_id;
SELECT period_id, member_label AS member, share
  FROM wwva.emc_shares
 WHERE emc_id = 'smart_kitchen'
 ORDER BY period_id, kind, member_id;

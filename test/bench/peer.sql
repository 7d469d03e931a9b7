-- The plain SQL an analyst would otherwise write for the statement's lines
-- (without lifetime users, in its own favour): distinct counts and filtered
-- sums over a period range join, grouped by ME and period.
CREATE OR REPLACE VIEW bench_peer AS
WITH users AS (
    SELECT e.me_id, p.period_id,
           count(DISTINCT e.user_id) FILTER (WHERE e.kind = 'interaction') AS interactive_users,
           count(DISTINCT e.user_id) FILTER (WHERE e.kind = 'transaction') AS active_users,
           count(*) FILTER (WHERE e.kind = 'customization') AS user_makers
      FROM wwva.user_event e
      JOIN wwva.me m ON m.me_id = e.me_id
      JOIN wwva.period p ON (e.occurred_at AT TIME ZONE m.timezone)::date >= p.starts_on
                        AND (e.occurred_at AT TIME ZONE m.timezone)::date < p.ends_on
     GROUP BY e.me_id, p.period_id),
money AS (
    SELECT l.me_id, p.period_id,
           coalesce(sum(l.amount) FILTER (WHERE l.stream = 'hardware' AND l.kind = 'revenue'), 0) AS hardware_revenue,
           coalesce(sum(l.amount) FILTER (WHERE l.stream = 'ecosystem' AND l.kind = 'revenue'), 0) AS ecosystem_revenue,
           coalesce(sum(l.amount) FILTER (WHERE l.stream = 'hardware' AND l.kind = 'cost'), 0) AS hardware_cost,
           coalesce(sum(l.amount) FILTER (WHERE l.stream = 'hardware' AND l.kind = 'cost' AND l.behavior = 'variable'), 0) AS hardware_variable_cost,
           coalesce(sum(l.amount) FILTER (WHERE l.stream = 'ecosystem' AND l.kind = 'cost'), 0) AS ecosystem_cost,
           coalesce(sum(l.amount) FILTER (WHERE l.stream = 'ecosystem' AND l.kind = 'cost' AND l.behavior = 'variable'), 0) AS ecosystem_variable_cost
      FROM wwva.ledger l
      JOIN wwva.period p ON l.booked_on >= p.starts_on AND l.booked_on < p.ends_on
     GROUP BY l.me_id, p.period_id)
SELECT m.me_id, p.period_id,
       coalesce(u.interactive_users, 0) AS interactive_users,
       coalesce(u.active_users, 0) AS active_users,
       coalesce(u.user_makers, 0) AS user_makers,
       coalesce(y.hardware_revenue, 0) AS hardware_revenue,
       coalesce(y.ecosystem_revenue, 0) AS ecosystem_revenue,
       coalesce(y.hardware_cost, 0) AS hardware_cost,
       coalesce(y.hardware_variable_cost, 0) AS hardware_variable_cost,
       coalesce(y.ecosystem_cost, 0) AS ecosystem_cost,
       coalesce(y.ecosystem_variable_cost, 0) AS ecosystem_variable_cost,
       coalesce(y.hardware_revenue, 0) - coalesce(y.hardware_cost, 0) AS hardware_profit,
       coalesce(y.ecosystem_revenue, 0) - coalesce(y.ecosystem_cost, 0) AS ecosystem_profit,
       CASE WHEN u.active_users > 0 THEN coalesce(y.hardware_variable_cost, 0) / u.active_users END AS hardware_marginal_cost,
       CASE WHEN u.active_users > 0 THEN coalesce(y.ecosystem_variable_cost, 0) / u.active_users END AS ecosystem_marginal_cost,
       CASE WHEN u.active_users > 0 THEN (coalesce(y.hardware_revenue, 0) - coalesce(y.hardware_variable_cost, 0)) / u.active_users END AS hardware_marginal_income,
       CASE WHEN u.active_users > 0 THEN (coalesce(y.ecosystem_revenue, 0) - coalesce(y.ecosystem_variable_cost, 0)) / u.active_users END AS ecosystem_marginal_income
  FROM wwva.me m CROSS JOIN wwva.period p
  LEFT JOIN users u ON u.me_id = m.me_id AND u.period_id = p.period_id
  LEFT JOIN money y ON y.me_id = m.me_id AND y.period_id = p.period_id;

-- The best plain SQL an analyst would write when periods are months:
-- count(DISTINCT ...) FILTER grouped by the month of the local date, with
-- no range join (faster than the view above, so a stronger peer).
CREATE OR REPLACE VIEW bench_peer_by_month AS
WITH users AS (
    SELECT e.me_id, to_char(date_trunc('month', e.occurred_at AT TIME ZONE m.timezone), 'YYYY-MM') AS period_id,
           count(DISTINCT e.user_id) FILTER (WHERE e.kind = 'interaction') AS interactive_users,
           count(DISTINCT e.user_id) FILTER (WHERE e.kind = 'transaction') AS active_users,
           count(*) FILTER (WHERE e.kind = 'customization') AS user_makers
      FROM wwva.user_event e
      JOIN wwva.me m ON m.me_id = e.me_id
     GROUP BY 1, 2),
money AS (
    SELECT l.me_id, to_char(l.booked_on, 'YYYY-MM') AS period_id,
           coalesce(sum(l.amount) FILTER (WHERE l.stream = 'hardware' AND l.kind = 'revenue'), 0) AS hardware_revenue,
           coalesce(sum(l.amount) FILTER (WHERE l.stream = 'ecosystem' AND l.kind = 'revenue'), 0) AS ecosystem_revenue,
           coalesce(sum(l.amount) FILTER (WHERE l.stream = 'hardware' AND l.kind = 'cost'), 0) AS hardware_cost,
           coalesce(sum(l.amount) FILTER (WHERE l.stream = 'hardware' AND l.kind = 'cost' AND l.behavior = 'variable'), 0) AS hardware_variable_cost,
           coalesce(sum(l.amount) FILTER (WHERE l.stream = 'ecosystem' AND l.kind = 'cost'), 0) AS ecosystem_cost,
           coalesce(sum(l.amount) FILTER (WHERE l.stream = 'ecosystem' AND l.kind = 'cost' AND l.behavior = 'variable'), 0) AS ecosystem_variable_cost
      FROM wwva.ledger l
     GROUP BY 1, 2)
SELECT m.me_id, p.period_id, u.interactive_users, u.active_users, u.user_makers,
       y.hardware_revenue, y.ecosystem_revenue, y.hardware_cost, y.hardware_variable_cost,
       y.ecosystem_cost, y.ecosystem_variable_cost
  FROM wwva.me m CROSS JOIN wwva.period p
  LEFT JOIN users u ON u.me_id = m.me_id AND u.period_id = p.period_id
  LEFT JOIN money y ON y.me_id = m.me_id AND y.period_id = p.period_id;

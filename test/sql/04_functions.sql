-- The C functions, called directly.
DROP EXTENSION wwva CASCADE;
CREATE EXTENSION wwva;   -- each test starts from empty ledgers
\set SHOW_CONTEXT never

-- Marginal cost and income per active user: exact where the quotient
-- terminates, NULL at 0 active users.
SELECT wwva.marginal_cost(18000000, 100000) AS xinchu_4c_2016,
       wwva.marginal_cost(39600000, 1000000) AS xinchu_4d_2017,
       wwva.marginal_income(256320000, 18000000, 100000) AS xinchu_5a_2016,
       wwva.marginal_income(2563250000, 70000000, 1000000) AS xinchu_5a_2017;
SELECT wwva.marginal_cost(100, 3) AS one_third_of_100,
       wwva.marginal_cost(0.01, 8) AS exact_tiny,
       wwva.marginal_cost(-50, 2) AS negative_cost;
SELECT wwva.marginal_cost(100, 0) IS NULL AS no_users_gives_null,
       wwva.marginal_income(100, 10, 0) IS NULL AS no_users_gives_null_too,
       wwva.marginal_cost(NULL, 10) IS NULL AS null_in_null_out;
-- bad arguments
SELECT wwva.marginal_cost(100, -1);
\echo :LAST_ERROR_SQLSTATE
SELECT wwva.marginal_cost('NaN', 10);
\echo :LAST_ERROR_SQLSTATE
SELECT wwva.marginal_income('Infinity', 0, 10);
\echo :LAST_ERROR_SQLSTATE
SELECT wwva.marginal_income(1, '-Infinity', 10);
\echo :LAST_ERROR_SQLSTATE
-- numeric limits: a 1000-digit cost divides exactly
SELECT length(wwva.marginal_cost(('1' || repeat('0', 1000))::numeric, 1000)::text) AS digits;

-- Sharing amounts: rate x base clamped to [floor, cap]; 0 when base <= 0.
SELECT wwva.sharing_amount(1000, 0.1, NULL, NULL) AS plain,
       wwva.sharing_amount(1000, 0.1, 150, NULL) AS floored,
       wwva.sharing_amount(1000, 0.1, NULL, 50) AS capped,
       wwva.sharing_amount(0, 0.1, 150, NULL) AS zero_base,
       wwva.sharing_amount(-10, 0.1, 150, NULL) AS negative_base,
       wwva.sharing_amount(NULL, 0.1, NULL, NULL) AS unknown_base;
SELECT wwva.sharing_amount(1000, -0.1, NULL, NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT wwva.sharing_amount(1000, 0.1, 100, 50);
\echo :LAST_ERROR_SQLSTATE
SELECT wwva.sharing_amount('NaN', 0.1, NULL, NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT wwva.sharing_amount(1000, 0.1, 'Infinity', NULL);
\echo :LAST_ERROR_SQLSTATE

-- The aggregates work on any rows, not only the extension's tables.
SELECT (wwva.ledger_totals(stream, kind, behavior, amount)).*
  FROM (VALUES ('hardware', 'revenue', NULL, 100.10),
               ('hardware', 'cost', 'variable', 20.02),
               ('hardware', 'cost', 'fixed', 30),
               ('ecosystem', 'revenue', NULL, 5e-10),
               ('ecosystem', 'cost', 'variable', 1),
               ('ecosystem', 'revenue', NULL, NULL)) AS l(stream, kind, behavior, amount);
-- over no rows: zeros
SELECT (wwva.ledger_totals(stream, kind, behavior, amount)).*
  FROM (VALUES ('hardware', 'revenue', NULL, 1.0)) AS l(stream, kind, behavior, amount)
 WHERE false;
SELECT wwva.ledger_totals('hardware', 'rev', NULL, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT wwva.ledger_totals('hardware', 'cost', NULL, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT wwva.ledger_totals('hardware', 'revenue', NULL, 'NaN');
\echo :LAST_ERROR_SQLSTATE
SELECT wwva.ledger_totals(NULL, 'revenue', NULL, 1);
\echo :LAST_ERROR_SQLSTATE

SELECT c.*
  FROM unnest((SELECT wwva.user_resource_counts(u, k, p, 1, 2)
                 FROM (VALUES (1, 'transaction', 1), (1, 'co_creation', 1),
                              (1, 'transaction', 2), (2, 'interaction', 2),
                              (2, 'customization', 3), (3, 'transaction', NULL))
                      AS e(u, k, p))) AS c;
SELECT wwva.user_resource_counts(1, 'purchase', 1, 1, 2);
\echo :LAST_ERROR_SQLSTATE
SELECT wwva.user_resource_counts(1, 'transaction', 0, 1, 2);
\echo :LAST_ERROR_SQLSTATE
SELECT wwva.user_resource_counts(1, 'transaction', 1, 0, 2);
\echo :LAST_ERROR_SQLSTATE
SELECT wwva.user_resource_counts(1, 'transaction', 1, 1, NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT wwva.user_resource_counts(u, 'transaction', 1, n, 2)
  FROM (VALUES (1, 1), (2, 2)) AS e(u, n);
\echo :LAST_ERROR_SQLSTATE

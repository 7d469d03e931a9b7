-- ===========================================================================
-- The lines of the statement, declared once (0.7.0).
--
-- wwva.statement_line is the catalogue every other place follows:
-- wwva.statement_items() and wwva.statement_of() are written from it by
-- wwva_internal.define_statement_lines() (sql/statement.sql), and so are
-- the column comments of the wide views and the section views.  What a
-- line computes lives in wwva.figures_of() (sql/figures.sql); the catalog
-- test (test/t/012_statement_lines.sql) fails when the views and this
-- table disagree.  README "Adding a statement line" says what to touch.
-- ===========================================================================
CREATE TABLE @extschema@.statement_line (
    item text PRIMARY KEY,
    line text NOT NULL UNIQUE,
    line_no integer NOT NULL,
    section integer NOT NULL CHECK (section BETWEEN 1 AND 5),
    unit text NOT NULL CHECK (unit IN ('users', 'interactions', 'currency', 'currency per active user')),
    formula text NOT NULL,
    -- deferrable, so that inserting a line can shift the numbers after it
    -- in one UPDATE
    CONSTRAINT statement_line_line_no_key UNIQUE (line_no) DEFERRABLE
);
COMMENT ON TABLE @extschema@.statement_line IS
'The lines of the WWVA statement (Table 2), in order: what wwva.statement lists, wwva.statement_items() returns and the wide and section views carry as columns.';
COMMENT ON COLUMN @extschema@.statement_line.item IS 'Line name: the column of wwva.figures and of its section view, the item of wwva.statement and wwva.target.';
COMMENT ON COLUMN @extschema@.statement_line.line IS 'Table 2 label (1a, 2c, 4a_var, ...): wwva.statement.line.';
COMMENT ON COLUMN @extschema@.statement_line.line_no IS 'Position in Table 2 order: wwva.statement.line_no.';
COMMENT ON COLUMN @extschema@.statement_line.section IS 'WWVA section 1-5.';
COMMENT ON COLUMN @extschema@.statement_line.unit IS 'users, interactions, currency (the ME''s) or currency per active user.';
COMMENT ON COLUMN @extschema@.statement_line.formula IS 'What the line counts or how it is computed, in Table 2''s terms; the column comments repeat it.';

INSERT INTO @extschema@.statement_line (line_no, line, item, section, unit, formula) VALUES
    ( 1, '1a',      'interactive_users',         1, 'users',
     'distinct users with at least one interaction (design iteration) event in the period'),
    ( 2, '1b',      'active_users',              1, 'users',
     'distinct users with at least N transaction events in the period (N = wwva.me.active_min_transactions)'),
    ( 3, '1c',      'lifetime_users',            1, 'users',
     'active users who were also active in each of the previous K-1 periods and co-created within those K periods (K = wwva.me.lifetime_periods)'),
    ( 4, '1d',      'user_makers',               1, 'interactions',
     'volume of user-customization interactions (a count of events, not of users)'),
    ( 5, '2a',      'hardware_profit',           2, 'currency', 'hardware revenue - hardware cost (3a - 4a)'),
    ( 6, '2b',      'ecosystem_profit',          2, 'currency', 'ecosystem revenue - ecosystem cost (3b - 4b)'),
    ( 7, '2c',      'total_profit',              2, 'currency', '2a + 2b'),
    ( 8, '2d',      'users_share',               2, 'currency',
     'to ecosystem active users, by the ME''s ''users'' sharing rule; 0 without a rule or when the base is <= 0; NULL for an excess rule without a total_profit target'),
    ( 9, '2e',      'investors_share',           2, 'currency', 'to capital investors, by the ''investors'' sharing rule'),
    (10, '2f',      'team_share',                2, 'currency', 'to the ME team, by the ''team'' sharing rule'),
    (11, '2g',      'total_sharing',             2, 'currency', '2d + 2e + 2f'),
    (12, '3a',      'hardware_revenue',          3, 'currency', 'revenue from selling networked appliances'),
    (13, '3b',      'ecosystem_revenue',         3, 'currency',
     'differential revenue from the ecosystem (partners'' services, commissions, ads, data services)'),
    (14, '3c',      'total_revenue',             3, 'currency', '3a + 3b'),
    (15, '4a',      'hardware_cost',             4, 'currency', 'all hardware cost, fixed and variable'),
    (16, '4a_var',  'hardware_variable_cost',    4, 'currency', 'variable part of 4a'),
    (17, '4b',      'ecosystem_cost',            4, 'currency', 'all ecosystem cost, fixed and variable'),
    (18, '4b_var',  'ecosystem_variable_cost',   4, 'currency', 'variable part of 4b'),
    (19, '4_total', 'total_cost',                4, 'currency', '4a + 4b'),
    (20, '4c',      'hardware_marginal_cost',    4, 'currency per active user',
     'variable hardware cost / active users (1b); NULL at 0 active users'),
    (21, '4d',      'ecosystem_marginal_cost',   4, 'currency per active user',
     'variable ecosystem cost / active users (1b); NULL at 0 active users'),
    (22, '5a',      'hardware_marginal_income',  5, 'currency per active user',
     '(3a - variable hardware cost) / 1b; NULL at 0 active users'),
    (23, '5b',      'ecosystem_marginal_income', 5, 'currency per active user',
     '(3b - variable ecosystem cost) / 1b; NULL at 0 active users'),
    (24, '5c',      'total_marginal_income',     5, 'currency per active user',
     '5a + 5b, computed as one division of the totals; NULL at 0 active users');

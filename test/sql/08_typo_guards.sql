-- Plausible typos are refused, or warned about, with a hint that says what
-- was probably meant.
\set VERBOSITY default
SET client_min_messages = warning;

-- Time zones: full names of the IANA database only.  PostgreSQL would
-- take 'CST' as US Central (UTC-06), a POSIX rule or a bare offset too.
INSERT INTO wwva.me (me_id, timezone) VALUES ('shanghai', 'CST');
INSERT INTO wwva.me (me_id, timezone) VALUES ('shanghai', '+08');
INSERT INTO wwva.me (me_id, timezone) VALUES ('shanghai', 'XXX-3:30YYY,M3.5.0/0,M10.5.0/0');
INSERT INTO wwva.me (me_id, timezone) VALUES ('shanghai', 'UTC+8');
INSERT INTO wwva.me (me_id, timezone) VALUES ('shanghai', 'Asia/Shangai');
-- what passes: Area/Location names in any case, and the database's other zones
INSERT INTO wwva.me (me_id, timezone)
VALUES ('shanghai', 'Asia/Shanghai'), ('cordoba', 'america/argentina/cordoba'), ('etc', 'Etc/GMT-8'),
       ('utc', 'UTC'), ('est', 'EST'), ('japan', 'Japan');
UPDATE wwva.me SET timezone = 'PDT' WHERE me_id = 'utc';
SELECT me_id, timezone FROM wwva.me WHERE me_id IN ('shanghai', 'cordoba', 'etc', 'utc', 'est', 'japan') ORDER BY me_id;

-- Sharing rules and EMC tiers: rates are fractions, 0 to 1.
INSERT INTO wwva.sharing_rule VALUES ('shanghai', 'team', 'total_profit', 10, NULL, NULL);
INSERT INTO wwva.sharing_rule VALUES ('shanghai', 'team', 'total_profit', 1.5, NULL, NULL);
INSERT INTO wwva.sharing_rule VALUES ('shanghai', 'team', 'total_profit', 1, NULL, NULL),
                                     ('shanghai', 'users', 'total_profit', 0.1, NULL, NULL);

-- Periods: ends are exclusive.  An end on the last day of a month, or a
-- one-day gap to a neighbour, is almost always an inclusive end typed by
-- habit: stored, with a warning that says so.
INSERT INTO wwva.period VALUES ('2023-03', '2023-03-01', '2023-03-31');
INSERT INTO wwva.period VALUES ('2023-04', '2023-04-01', '2023-05-01');
INSERT INTO wwva.period VALUES ('2023-05', '2023-05-01', '2023-06-01');
UPDATE wwva.period SET ends_on = '2023-04-01' WHERE period_id = '2023-03';
SELECT period_id, starts_on, ends_on FROM wwva.period WHERE period_id LIKE '2023-%' ORDER BY starts_on;

INSERT INTO wwva.emc VALUES ('kitchen', 'Kitchen', 'shanghai');
INSERT INTO wwva.emc_member (emc_id, member_id, kind, weight) VALUES ('kitchen', 'shanghai', 'me', 1);
BEGIN;
INSERT INTO wwva.emc_contract (emc_id, period_id, leading_target) VALUES ('kitchen', '2023-05', 100);
INSERT INTO wwva.emc_tier VALUES ('kitchen', '2023-05', 100, 20);
ROLLBACK;

DELETE FROM wwva.emc_member WHERE emc_id = 'kitchen';
DELETE FROM wwva.emc WHERE emc_id = 'kitchen';
DELETE FROM wwva.sharing_rule WHERE me_id = 'shanghai';
DELETE FROM wwva.period WHERE period_id LIKE '2023-%';
DELETE FROM wwva.me WHERE me_id IN ('shanghai', 'cordoba', 'etc', 'utc', 'est', 'japan');

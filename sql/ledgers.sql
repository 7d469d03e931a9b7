-- ===========================================================================
-- Ledgers: the tables users fill and their validation (src/ledger_check.c
-- checks the rows of the two large ones).
--
-- Every table here is registered with pg_extension_config_dump so its rows
-- survive pg_dump / pg_restore.  Constraints are the declarative guarantee;
-- the validation triggers run first and turn a bad row into an error that
-- names the row and says how to fix it.  The sharing rules' check is in
-- sql/money.sql, beside the arithmetic it guards; the EMC tables are in
-- sql/emc.sql.
-- ===========================================================================

-- ---------------------------------------------------------------------------
-- Micro-enterprises (MEs)
-- ---------------------------------------------------------------------------
CREATE TABLE @extschema@.me (
    me_id                   text PRIMARY KEY
                            CONSTRAINT me_id_not_empty CHECK (me_id <> ''),
    name                    text,
    kind                    text NOT NULL DEFAULT 'user'
                            CONSTRAINT me_kind_known CHECK (kind IN ('user', 'node')),
    active_min_transactions integer NOT NULL DEFAULT 1
                            CONSTRAINT me_active_min_transactions_range
                            CHECK (active_min_transactions BETWEEN 1 AND 65535),
    lifetime_periods        integer NOT NULL DEFAULT 2
                            CONSTRAINT me_lifetime_periods_range
                            CHECK (lifetime_periods BETWEEN 1 AND 1000),
    timezone                text NOT NULL DEFAULT 'UTC',
    currency                text NOT NULL DEFAULT 'RMB'
);

COMMENT ON TABLE @extschema@.me IS
'Micro-enterprises (MEs): one WWVA statement per ME per period.';
COMMENT ON COLUMN @extschema@.me.me_id IS 'Identifier of the ME, referenced by every ledger row.';
COMMENT ON COLUMN @extschema@.me.name IS 'Display name.';
COMMENT ON COLUMN @extschema@.me.kind IS '''user'' (faces users) or ''node'' (supplies other MEs).';
COMMENT ON COLUMN @extschema@.me.active_min_transactions IS
'N: a user is active in a period with at least N transaction events (1 to 65535).';
COMMENT ON COLUMN @extschema@.me.lifetime_periods IS
'K: a lifetime user was active in this and the previous K-1 periods and co-created within them.';
COMMENT ON COLUMN @extschema@.me.timezone IS
'Time zone whose calendar dates assign the ME''s user events to periods.';
COMMENT ON COLUMN @extschema@.me.currency IS
'Currency of the ME''s ledger amounts, a code of wwva.currency (ISO 4217; RMB for CNY); shown in the unit column of wwva.statement, and its minor unit sets the decimals of sharing payouts and EMC pools and shares.';
-- ---------------------------------------------------------------------------
-- Periods: half-open [starts_on, ends_on), never overlapping in a calendar
-- ---------------------------------------------------------------------------
CREATE TABLE @extschema@.period (
    period_id text PRIMARY KEY
              CONSTRAINT period_id_not_empty CHECK (period_id <> ''),
    starts_on date NOT NULL,
    ends_on   date NOT NULL,
    -- added in 0.9.0, after ends_on as ALTER TABLE adds it
    calendar  text NOT NULL DEFAULT 'default'
              CONSTRAINT period_calendar_not_empty CHECK (calendar <> ''),
    CONSTRAINT period_finite CHECK (isfinite(starts_on) AND isfinite(ends_on)),
    CONSTRAINT period_not_empty CHECK (starts_on < ends_on),
    -- Two periods of one calendar may not overlap.  GiST has no equality
    -- for text without btree_gist, so each period is a box: one calendar
    -- is one x (its hash), the days are y, and [starts_on, ends_on) stops
    -- half a day short of ends_on so that adjacent periods do not touch.
    -- Calendars whose names share a hash would be kept apart too; the
    -- trigger wwva_internal.period_check names the period that overlaps.
    CONSTRAINT period_no_overlap
        EXCLUDE USING gist (box(point(hashtext(calendar), starts_on - date '2000-01-01'),
                                point(hashtext(calendar), (ends_on - date '2000-01-01') - 0.5))
                            WITH &&)
);

COMMENT ON TABLE @extschema@.period IS
'Fiscal periods, half-open [starts_on, ends_on), in calendars: the periods of one calendar never overlap, those of different calendars may (months, quarters, years side by side). Within a calendar, starts_on order defines "previous period" for lifetime users.';
COMMENT ON COLUMN @extschema@.period.period_id IS 'Identifier shown in every view, unique across calendars, e.g. ''2017'' or ''2017-03''.';
COMMENT ON COLUMN @extschema@.period.starts_on IS 'First day of the period (inclusive).';
COMMENT ON COLUMN @extschema@.period.ends_on IS 'First day after the period (exclusive).';
COMMENT ON COLUMN @extschema@.period.calendar IS
'The calendar the period belongs to (''default'' unless given): ''month'', ''quarter'', ''fiscal_year''. Periods of one calendar may not overlap; the previous period of a period is the one before it in its calendar.';
-- ---------------------------------------------------------------------------
-- Ledger postings
-- ---------------------------------------------------------------------------
-- The two large tables are partitioned by ME, so a group can keep an ME's
-- rows on another server (postgres_fdw foreign partitions) or in a
-- partition of their own.  Out of the box every row lands in the local
-- DEFAULT partition.  A partitioned table can have no unique index that
-- leaves out me_id and no foreign key once a partition is foreign, so the
-- generated ids are unique through their sequence and per local partition
-- (its primary key); the ME of every row is checked by the validation
-- trigger below.  Neither partition has a foreign key to wwva.me: a
-- parallel pg_restore loads them beside wwva.me, where a foreign key
-- would refuse every row (the trigger recognises a restore).
CREATE TABLE @extschema@.ledger (
    entry_id   bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL,
    me_id      text NOT NULL,
    booked_on  date NOT NULL CONSTRAINT ledger_booked_on_finite CHECK (isfinite(booked_on)),
    stream     text NOT NULL
               CONSTRAINT ledger_stream_known CHECK (stream IN ('hardware', 'ecosystem')),
    kind       text NOT NULL
               CONSTRAINT ledger_kind_known CHECK (kind IN ('revenue', 'cost')),
    behavior   text
               CONSTRAINT ledger_behavior_known CHECK (behavior IN ('variable', 'fixed')),
    amount     numeric NOT NULL
               CONSTRAINT ledger_amount_finite
               CHECK (amount <> 'NaN'::numeric AND amount <> 'Infinity'::numeric
                      AND amount <> '-Infinity'::numeric),
    category   text,
    user_id    bigint,
    partner_id text,
    memo       text,
    source_ref text,
    reverses_entry_id bigint,
    CONSTRAINT ledger_behavior_only_for_costs
        CHECK ((kind = 'cost') = (behavior IS NOT NULL))
) PARTITION BY LIST (me_id);

-- Keys hold the ME, the partition key: Citus distributes a table by it only
-- when every unique key includes it.  A loader's own reference of a row is
-- unique per ME in every local partition (the guard in sql/security.sql gives partitions added later the
-- same unique index), so a batch sent again with INSERT ... ON CONFLICT DO
-- NOTHING is stored once.  The parent cannot have that index: PostgreSQL
-- allows none once a partition is foreign.
CREATE TABLE @extschema@.ledger_default PARTITION OF @extschema@.ledger (
    CONSTRAINT ledger_default_pkey PRIMARY KEY (me_id, entry_id),
    CONSTRAINT ledger_default_source_ref_key UNIQUE (me_id, source_ref)
) DEFAULT;

CREATE INDEX ledger_me_booked_on_idx ON @extschema@.ledger (me_id, booked_on);
-- ---------------------------------------------------------------------------
-- User events: one row per user action
-- ---------------------------------------------------------------------------
CREATE TABLE @extschema@.user_event (
    event_id    bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL,
    me_id       text NOT NULL,
    user_id     bigint NOT NULL,
    occurred_at timestamptz NOT NULL
                CONSTRAINT user_event_occurred_at_finite CHECK (isfinite(occurred_at)),
    kind        text NOT NULL
                CONSTRAINT user_event_kind_known
                CHECK (kind IN ('interaction', 'transaction', 'customization', 'co_creation')),
    source_ref  text
) PARTITION BY LIST (me_id);

CREATE TABLE @extschema@.user_event_default PARTITION OF @extschema@.user_event (
    CONSTRAINT user_event_default_pkey PRIMARY KEY (me_id, event_id),
    CONSTRAINT user_event_default_source_ref_key UNIQUE (me_id, source_ref)
) DEFAULT;

CREATE INDEX user_event_me_occurred_at_idx ON @extschema@.user_event (me_id, occurred_at);
-- ---------------------------------------------------------------------------
-- Leading targets and sharing rules
-- ---------------------------------------------------------------------------
CREATE TABLE @extschema@.target (
    me_id     text NOT NULL REFERENCES @extschema@.me ON UPDATE CASCADE,
    period_id text NOT NULL REFERENCES @extschema@.period ON UPDATE CASCADE,
    item      text NOT NULL,
    value     numeric NOT NULL
              CONSTRAINT target_value_finite
              CHECK (value <> 'NaN'::numeric AND value <> 'Infinity'::numeric
                     AND value <> '-Infinity'::numeric),
    PRIMARY KEY (me_id, period_id, item)
);

COMMENT ON TABLE @extschema@.target IS
'Leading targets: the value an ME aims for on a statement line in a period.';
COMMENT ON COLUMN @extschema@.target.me_id IS 'ME the target is set for.';
COMMENT ON COLUMN @extschema@.target.period_id IS 'Period the target is set for.';
COMMENT ON COLUMN @extschema@.target.item IS 'A line name of wwva.statement (its item column), e.g. ''active_users'' or ''total_profit''.';
COMMENT ON COLUMN @extschema@.target.value IS 'Target value, in the line''s unit.';

CREATE TABLE @extschema@.sharing_rule (
    me_id text NOT NULL REFERENCES @extschema@.me ON UPDATE CASCADE,
    party text NOT NULL
          CONSTRAINT sharing_rule_party_known CHECK (party IN ('users', 'investors', 'team')),
    base  text NOT NULL
          CONSTRAINT sharing_rule_base_known
          CHECK (base IN ('total_profit', 'ecosystem_profit', 'hardware_profit', 'excess_over_target')),
    rate  numeric NOT NULL
          CONSTRAINT sharing_rule_rate_range
          CHECK (rate >= 0 AND rate <> 'NaN'::numeric AND rate <> 'Infinity'::numeric),
    floor numeric
          CONSTRAINT sharing_rule_floor_range
          CHECK (floor >= 0 AND floor <> 'NaN'::numeric AND floor <> 'Infinity'::numeric),
    cap   numeric
          CONSTRAINT sharing_rule_cap_range
          CHECK (cap >= 0 AND cap <> 'NaN'::numeric AND cap <> 'Infinity'::numeric),
    CONSTRAINT sharing_rule_floor_not_above_cap CHECK (floor <= cap),
    PRIMARY KEY (me_id, party)
);

COMMENT ON TABLE @extschema@.sharing_rule IS
'How an ME shares value added: each party gets rate x base, clamped to [floor, cap], and 0 when the base is <= 0.';
COMMENT ON COLUMN @extschema@.sharing_rule.me_id IS 'ME whose value added is shared.';
COMMENT ON COLUMN @extschema@.sharing_rule.party IS '''users'' (2d), ''investors'' (2e) or ''team'' (2f).';
COMMENT ON COLUMN @extschema@.sharing_rule.base IS
'''total_profit'', ''ecosystem_profit'', ''hardware_profit'' or ''excess_over_target'' (total profit above its target; NULL share when no total_profit target is set).';
COMMENT ON COLUMN @extschema@.sharing_rule.rate IS 'Share of the base, e.g. 0.25.';
COMMENT ON COLUMN @extschema@.sharing_rule.floor IS 'Minimum payout when the base is positive; NULL for none.';
COMMENT ON COLUMN @extschema@.sharing_rule.cap IS 'Maximum payout; NULL for none.';

-- ---------------------------------------------------------------------------
-- What the two large tables and their columns hold
-- ---------------------------------------------------------------------------

COMMENT ON TABLE @extschema@.ledger IS
'Ledger postings of revenue and cost by ME, stream and cost behaviour; amounts in the ME''s currency unit. Partitioned by me_id: rows of MEs without a partition of their own are kept in wwva.ledger_default.';
COMMENT ON TABLE @extschema@.ledger_default IS
'The local DEFAULT partition of wwva.ledger: the rows of every ME that has no partition of its own. Read and write wwva.ledger, not this table.';
COMMENT ON COLUMN @extschema@.ledger.entry_id IS 'Generated identifier of the posting (unique through its sequence).';
COMMENT ON COLUMN @extschema@.ledger.me_id IS 'ME the posting belongs to (must exist in wwva.me).';
COMMENT ON COLUMN @extschema@.ledger.booked_on IS 'Booking date; assigns the posting to the period that holds it.';
COMMENT ON COLUMN @extschema@.ledger.stream IS '''hardware'' (own networked appliances) or ''ecosystem'' (differential income from partners'' services).';
COMMENT ON COLUMN @extschema@.ledger.kind IS '''revenue'' or ''cost''.';
COMMENT ON COLUMN @extschema@.ledger.behavior IS 'For costs only: ''variable'' or ''fixed''; marginal figures use the variable part.';
COMMENT ON COLUMN @extschema@.ledger.amount IS 'Exact amount (numeric) in the ME''s currency unit; reversing entries are negative.';
COMMENT ON COLUMN @extschema@.ledger.category IS 'Free breakdown, e.g. materials, logistics, salaries, fresh_food, advertising.';
COMMENT ON COLUMN @extschema@.ledger.user_id IS 'User the posting concerns, when known.';
COMMENT ON COLUMN @extschema@.ledger.partner_id IS 'Ecosystem partner the posting concerns, when known.';
COMMENT ON COLUMN @extschema@.ledger.memo IS 'Free text.';
COMMENT ON COLUMN @extschema@.ledger.reverses_entry_id IS 'The posting this one reverses (wwva.reverse_entry): its exact negation, of the same ME, with the reason in memo.';
COMMENT ON COLUMN @extschema@.ledger.source_ref IS 'The loader''s own reference of the posting (file and line, message id), unique per ME when given: a batch sent again with INSERT ... ON CONFLICT DO NOTHING is stored once.';

COMMENT ON TABLE @extschema@.user_event IS
'User actions, one row each; assigned to a period by the date of occurred_at in the ME''s time zone. Partitioned by me_id: rows of MEs without a partition of their own are kept in wwva.user_event_default.';
COMMENT ON TABLE @extschema@.user_event_default IS
'The local DEFAULT partition of wwva.user_event: the rows of every ME that has no partition of its own. Read and write wwva.user_event, not this table.';
COMMENT ON COLUMN @extschema@.user_event.event_id IS 'Generated identifier of the event.';
COMMENT ON COLUMN @extschema@.user_event.me_id IS 'ME whose ecosystem the action happened in (must exist in wwva.me).';
COMMENT ON COLUMN @extschema@.user_event.user_id IS 'The acting user.';
COMMENT ON COLUMN @extschema@.user_event.occurred_at IS 'When the action happened.';
COMMENT ON COLUMN @extschema@.user_event.source_ref IS 'The loader''s own reference of the event, unique per ME when given: a batch sent again with INSERT ... ON CONFLICT DO NOTHING is stored once.';
COMMENT ON COLUMN @extschema@.user_event.kind IS
'''interaction'' (design iteration), ''transaction'' (reservation, presale, purchase), ''customization'' (user-maker interaction) or ''co_creation'' (community or platform-evolution contribution).';

-- A BI tool lists the default partitions beside their parents (JDBC's
-- getTables does): they carry the parents' column comments.
DO $$
DECLARE
    col record;
BEGIN
    FOR col IN
        SELECT p.child, a.attname, pg_catalog.col_description(p.parent, a.attnum) AS description
          FROM (VALUES ('@extschema@.ledger'::regclass, '@extschema@.ledger_default'::regclass),
                       ('@extschema@.user_event'::regclass, '@extschema@.user_event_default'::regclass)) AS p(parent, child)
          JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) p.parent
         WHERE a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped
           AND pg_catalog.col_description(p.parent, a.attnum) IS NOT NULL
    LOOP
        EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.%I IS %L', col.child, col.attname, col.description);
    END LOOP;
END
$$;
-- ---------------------------------------------------------------------------
-- Validation triggers
-- ---------------------------------------------------------------------------

-- Row checks for the two large tables are in C: they run per row on tens of
-- millions of rows, and a foreign key's per-row query would cost four times
-- the insert itself.  The ME lookup is cached per statement.
CREATE FUNCTION wwva_internal.ledger_check() RETURNS trigger
AS 'MODULE_PATHNAME', 'wwva_ledger_check' LANGUAGE C;
COMMENT ON FUNCTION wwva_internal.ledger_check() IS
'Trigger: rejects a wwva.ledger row with an unknown ME, stream, kind or behavior, or a non-finite amount, naming the row; and the insert, change or delete of a posting booked in a closed period of its ME.';

CREATE FUNCTION wwva_internal.user_event_check() RETURNS trigger
AS 'MODULE_PATHNAME', 'wwva_user_event_check' LANGUAGE C;
COMMENT ON FUNCTION wwva_internal.user_event_check() IS
'Trigger: rejects a wwva.user_event row with an unknown ME or kind, naming the row; and the insert, change or delete of an event in a closed period of its ME or in the K-1 periods before it.';

-- On delete too: a row of a closed period is not removed (src/closed_periods.c).
CREATE TRIGGER ledger_check BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.ledger
    FOR EACH ROW EXECUTE FUNCTION wwva_internal.ledger_check();
CREATE TRIGGER user_event_check BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.user_event
    FOR EACH ROW EXECUTE FUNCTION wwva_internal.user_event_check();

-- Citus keeps a reference table's rows in a shard on every node, and runs a
-- change of wwva.me on each, where the row check fires on the shard; the
-- rows of the distributed ledgers are in shards too, each on one node.  So
-- each node checks the ledgers' shards it keeps, and together they check
-- them all.  The shards of a table are named <table>_<shard id> in its
-- schema (where only the tables' owner creates relations); the partitions'
-- shards are read through their parents'.
CREATE FUNCTION wwva_internal.shards_hold_me(me text) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    shard regclass;
    found boolean;
BEGIN
    FOR shard IN
        SELECT c.oid::regclass
          FROM pg_catalog.pg_class c
         WHERE c.relnamespace OPERATOR(pg_catalog.=) '@extschema@'::regnamespace
           AND c.relname OPERATOR(pg_catalog.~) '^(ledger|user_event)_[0-9]+$'
           AND NOT c.relispartition
         ORDER BY c.oid
    LOOP
        EXECUTE pg_catalog.format('LOCK TABLE %s IN SHARE MODE', shard);
        EXECUTE pg_catalog.format('SELECT EXISTS (SELECT FROM %s s WHERE s.me_id OPERATOR(pg_catalog.=) $1)', shard)
            INTO found USING me;
        IF found THEN
            RETURN true;
        END IF;
    END LOOP;
    RETURN false;
END
$$;
COMMENT ON FUNCTION wwva_internal.shards_hold_me(text) IS
'Whether the Citus shards of wwva.ledger or wwva.user_event kept on this node hold rows of the ME (locked in SHARE mode first): the check of wwva_internal.me_check when it fires on a shard of wwva.me.';

CREATE FUNCTION wwva_internal.me_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    reading text;
    users_of text;
    likely_codes text;
    rows_kept boolean;
BEGIN
    IF TG_OP OPERATOR(pg_catalog.=) 'INSERT'
       OR NEW.timezone IS DISTINCT FROM OLD.timezone THEN
        BEGIN
            PERFORM pg_catalog.timezone(NEW.timezone, pg_catalog.now());
        EXCEPTION WHEN invalid_parameter_value OR feature_not_supported THEN
            RAISE EXCEPTION 'ME "%" has unknown time zone "%"', NEW.me_id, NEW.timezone
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Use a name from pg_timezone_names, such as ''Asia/Shanghai'' or ''UTC''.';
        END;
        -- PostgreSQL also takes abbreviations and POSIX rules, which read
        -- plausibly and mean something else: 'CST' is US Central, never
        -- China.  Area/Location names pass at once; other names must be
        -- zones of the IANA database (UTC, EST, Japan, ...).
        IF NEW.timezone OPERATOR(pg_catalog.!~*) '^[a-z_]+(/[a-z0-9_+-]+)+$'
           AND NOT EXISTS (SELECT FROM pg_catalog.pg_timezone_names z
                            WHERE pg_catalog.lower(z.name) OPERATOR(pg_catalog.=) pg_catalog.lower(NEW.timezone)) THEN
            -- the hint: what PostgreSQL reads an abbreviation as, and a
            -- zone using it now per UTC offset (the one most people mean,
            -- where it is one)
            SELECT CASE WHEN a.utc_offset OPERATOR(pg_catalog.>=) '0'::interval THEN '+' ELSE '' END
                   OPERATOR(pg_catalog.||) pg_catalog.to_char(a.utc_offset, 'HH24:MI')
              INTO reading
              FROM pg_catalog.pg_timezone_abbrevs a
             WHERE a.abbrev OPERATOR(pg_catalog.=) pg_catalog.upper(NEW.timezone);
            SELECT pg_catalog.string_agg(pg_catalog.format('UTC%s%s as in %L',
                                             CASE WHEN z.utc_offset OPERATOR(pg_catalog.>=) '0'::interval THEN '+' ELSE '' END,
                                             pg_catalog.to_char(z.utc_offset, 'HH24:MI'), z.name),
                                         ', ' ORDER BY z.utc_offset)
              INTO users_of
              FROM (SELECT DISTINCT ON (n.utc_offset) n.utc_offset, n.name
                      FROM pg_catalog.pg_timezone_names n
                     WHERE n.abbrev OPERATOR(pg_catalog.=) pg_catalog.upper(NEW.timezone)
                       AND n.name OPERATOR(pg_catalog.~) '^[A-Z][a-z]+/'
                     ORDER BY n.utc_offset,
                              n.name OPERATOR(pg_catalog.<>) ALL (ARRAY['America/Chicago', 'America/New_York',
                                  'America/Denver', 'America/Los_Angeles', 'Asia/Shanghai', 'Asia/Kolkata',
                                  'Asia/Tokyo', 'Europe/London', 'Europe/Paris', 'Australia/Sydney']),
                              n.name OPERATOR(pg_catalog.~~) 'Etc/%',
                              pg_catalog.length(n.name), n.name) z;
            RAISE EXCEPTION 'ME "%" has time zone "%", which is not a zone name of the IANA database', NEW.me_id, NEW.timezone
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = CASE WHEN reading IS NULL AND users_of IS NULL
                                  THEN 'Give the full name of the ME''s zone from pg_timezone_names, such as ''Asia/Shanghai'' or ''America/Chicago''.'
                                  ELSE pg_catalog.format('"%s" is an abbreviation%s%s. Give the full name of the ME''s zone.', NEW.timezone,
                                                         ', which PostgreSQL reads as UTC' OPERATOR(pg_catalog.||) reading,
                                                         '; zones that use it now: ' OPERATOR(pg_catalog.||) users_of)
                             END;
        END IF;
    END IF;
    IF NEW.kind IS NOT NULL AND NEW.kind OPERATOR(pg_catalog.<>) ALL (ARRAY['user', 'node']) THEN
        RAISE EXCEPTION 'ME "%" has unknown kind "%"', NEW.me_id, NEW.kind
            USING ERRCODE = 'check_violation',
                  HINT = 'kind must be ''user'' (faces users) or ''node'' (supplies other MEs).';
    END IF;
    -- The currency is a code of wwva.currency ('dollars' or 'usd' would
    -- pass as a label), checked here rather than by a foreign key: a
    -- restore may load wwva.currency beside wwva.me, and brings rows that
    -- were checked when they were written.
    IF (TG_OP OPERATOR(pg_catalog.=) 'INSERT'
        OR (TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND NEW.currency IS DISTINCT FROM OLD.currency))
       AND pg_catalog.current_setting('check_function_bodies') OPERATOR(pg_catalog.<>) 'off'
       AND NOT EXISTS (SELECT FROM @extschema@.currency c WHERE c.code OPERATOR(pg_catalog.=) NEW.currency) THEN
        SELECT pg_catalog.string_agg(pg_catalog.format('''%s'' (%s)', l.code, l.name), ', '
                                     ORDER BY l.exact DESC, pg_catalog.length(l.name), l.code)
          INTO likely_codes
          FROM (SELECT c.code, c.name, c.code OPERATOR(pg_catalog.=) pg_catalog.upper(pg_catalog.btrim(NEW.currency)) AS exact
                  FROM @extschema@.currency c
                 WHERE pg_catalog.length(pg_catalog.btrim(NEW.currency)) OPERATOR(pg_catalog.>=) 3
                   AND (c.code OPERATOR(pg_catalog.=) pg_catalog.upper(pg_catalog.btrim(NEW.currency))
                        OR c.name OPERATOR(pg_catalog.~~*)
                           ('%' OPERATOR(pg_catalog.||) pg_catalog.rtrim(pg_catalog.btrim(NEW.currency), 'sS') OPERATOR(pg_catalog.||) '%'))
                 ORDER BY 3 DESC, pg_catalog.length(c.name), c.code
                 LIMIT 5) l;
        RAISE EXCEPTION 'ME "%" keeps its books in unknown currency "%"', NEW.me_id, NEW.currency
            USING ERRCODE = 'foreign_key_violation',
                  HINT = CASE WHEN likely_codes IS NOT NULL
                              THEN 'currency is a code of wwva.currency (ISO 4217). Did you mean ' OPERATOR(pg_catalog.||) likely_codes OPERATOR(pg_catalog.||) '?'
                              ELSE 'currency is a code of wwva.currency (ISO 4217), such as ''CNY'', ''USD'' or ''EUR''; add a unit of your own to wwva.currency first.'
                         END;
    END IF;
    IF NEW.active_min_transactions OPERATOR(pg_catalog.<) 1
       OR NEW.active_min_transactions OPERATOR(pg_catalog.>) 65535 THEN
        RAISE EXCEPTION 'ME "%" has active_min_transactions %, outside 1 to 65535',
            NEW.me_id, NEW.active_min_transactions
            USING ERRCODE = 'check_violation',
                  HINT = 'active_min_transactions is N: a user is active with at least N transaction events in a period.';
    END IF;
    IF NEW.lifetime_periods OPERATOR(pg_catalog.<) 1
       OR NEW.lifetime_periods OPERATOR(pg_catalog.>) 1000 THEN
        RAISE EXCEPTION 'ME "%" has lifetime_periods %, outside 1 to 1000',
            NEW.me_id, NEW.lifetime_periods
            USING ERRCODE = 'check_violation',
                  HINT = 'lifetime_periods is K: active in the current and previous K-1 periods (default 2).';
    END IF;
    -- Renaming or deleting an ME that still has postings or events would
    -- orphan them.  The SHARE locks wait for in-flight writers, so rows they
    -- commit are seen by the check below.  Fired on a Citus shard of
    -- wwva.me, the check reads the ledgers' shards on this node instead
    -- (wwva_internal.shards_hold_me).
    IF TG_OP OPERATOR(pg_catalog.<>) 'INSERT'
       AND (TG_OP OPERATOR(pg_catalog.=) 'DELETE' OR NEW.me_id IS DISTINCT FROM OLD.me_id) THEN
        IF TG_RELID OPERATOR(pg_catalog.=) '@extschema@.me'::regclass THEN
            LOCK TABLE @extschema@.ledger, @extschema@.user_event IN SHARE MODE;
            rows_kept := EXISTS (SELECT FROM @extschema@.ledger l WHERE l.me_id OPERATOR(pg_catalog.=) OLD.me_id)
                         OR EXISTS (SELECT FROM @extschema@.user_event e WHERE e.me_id OPERATOR(pg_catalog.=) OLD.me_id);
        ELSE
            rows_kept := wwva_internal.shards_hold_me(OLD.me_id);
        END IF;
        IF rows_kept THEN
            RAISE EXCEPTION 'ME "%" still has ledger postings or user events', OLD.me_id
                USING ERRCODE = 'foreign_key_violation',
                      HINT = 'Delete or move its rows in wwva.ledger and wwva.user_event first.';
        END IF;
    END IF;
    IF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION wwva_internal.me_check() IS
'Trigger: validates a wwva.me row (a full IANA time zone name, kind, a currency of wwva.currency, N, K) and keeps MEs with postings or events from being deleted or renamed.';

CREATE TRIGGER me_check BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.me
    FOR EACH ROW EXECUTE FUNCTION wwva_internal.me_check();

CREATE FUNCTION wwva_internal.period_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    other record;
BEGIN
    IF NEW.starts_on IS NULL OR NEW.ends_on IS NULL THEN
        RAISE EXCEPTION 'period "%" needs both starts_on and ends_on', NEW.period_id
            USING ERRCODE = 'not_null_violation',
                  HINT = 'Periods are half-open: starts_on is the first day, ends_on the first day after.';
    END IF;
    IF NOT (pg_catalog.isfinite(NEW.starts_on) AND pg_catalog.isfinite(NEW.ends_on))
       OR NEW.starts_on OPERATOR(pg_catalog.>=) NEW.ends_on THEN
        RAISE EXCEPTION 'period "%" [%, %) is empty or unbounded', NEW.period_id, NEW.starts_on, NEW.ends_on
            USING ERRCODE = 'check_violation',
                  HINT = 'starts_on must be a finite date before ends_on, e.g. [2017-01-01, 2018-01-01) for the year 2017.';
    END IF;
    SELECT p.period_id, p.starts_on, p.ends_on INTO other
      FROM @extschema@.period p
     WHERE p.calendar OPERATOR(pg_catalog.=) NEW.calendar
       AND pg_catalog.daterange(p.starts_on, p.ends_on)
           OPERATOR(pg_catalog.&&) pg_catalog.daterange(NEW.starts_on, NEW.ends_on)
       AND (TG_OP OPERATOR(pg_catalog.=) 'INSERT' OR p.period_id OPERATOR(pg_catalog.<>) OLD.period_id)
     ORDER BY p.starts_on
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'period "%" [%, %) overlaps period "%" [%, %) of calendar "%"',
            NEW.period_id, NEW.starts_on, NEW.ends_on, other.period_id, other.starts_on, other.ends_on,
            NEW.calendar
            USING ERRCODE = 'exclusion_violation',
                  HINT = 'Periods of one calendar are half-open [starts_on, ends_on) and may not overlap: let one end on the day the next one starts, or put the period in a calendar of its own (wwva.period.calendar, e.g. ''quarter'').';
    END IF;
    -- An inclusive end typed by habit leaves a day that no period covers.
    SELECT p.period_id, p.starts_on, p.ends_on INTO other
      FROM @extschema@.period p
     WHERE p.calendar OPERATOR(pg_catalog.=) NEW.calendar
       AND (p.starts_on OPERATOR(pg_catalog.=) (NEW.ends_on OPERATOR(pg_catalog.+) 1)
            OR p.ends_on OPERATOR(pg_catalog.=) (NEW.starts_on OPERATOR(pg_catalog.-) 1))
       AND (TG_OP OPERATOR(pg_catalog.=) 'INSERT' OR p.period_id OPERATOR(pg_catalog.<>) OLD.period_id)
     ORDER BY p.starts_on
     LIMIT 1;
    IF FOUND THEN
        RAISE WARNING 'period "%" [%, %) and period "%" [%, %) leave one day between them that no period covers',
            NEW.period_id, NEW.starts_on, NEW.ends_on, other.period_id, other.starts_on, other.ends_on
            USING HINT = 'ends_on is exclusive, the first day after the period: a month ends on the 1st of the next month.';
    ELSIF pg_catalog.date_part('day', (NEW.ends_on OPERATOR(pg_catalog.+) 1)) OPERATOR(pg_catalog.=) 1
          AND NOT EXISTS (SELECT FROM @extschema@.period p
                           WHERE p.calendar OPERATOR(pg_catalog.=) NEW.calendar
                             AND p.starts_on OPERATOR(pg_catalog.=) NEW.ends_on) THEN
        RAISE WARNING 'period "%" [%, %) leaves out %, the last day of its month',
            NEW.period_id, NEW.starts_on, NEW.ends_on, NEW.ends_on
            USING HINT = 'ends_on is exclusive, the first day after the period: for a whole month give the 1st of the next month.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION wwva_internal.period_check() IS
'Trigger: rejects an empty or unbounded wwva.period row, or one overlapping a period of its calendar, naming that period; warns when an end looks inclusive (a one-day gap to a neighbour, or an end on the last day of a month).';

CREATE TRIGGER period_check BEFORE INSERT OR UPDATE ON @extschema@.period
    FOR EACH ROW EXECUTE FUNCTION wwva_internal.period_check();

CREATE FUNCTION wwva_internal.target_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- A restore (check_function_bodies off) may load wwva.me and
    -- wwva.period beside this table (pg_restore -j); the foreign keys check
    -- these rows once they are all in.
    IF pg_catalog.current_setting('check_function_bodies') OPERATOR(pg_catalog.<>) 'off' THEN
        IF NOT EXISTS (SELECT FROM @extschema@.me m WHERE m.me_id OPERATOR(pg_catalog.=) NEW.me_id) THEN
            RAISE EXCEPTION 'target for ME "%", period "%", item "%" names an unknown ME',
                NEW.me_id, NEW.period_id, NEW.item
                USING ERRCODE = 'foreign_key_violation',
                      HINT = 'Add the ME to wwva.me first.';
        END IF;
        IF NOT EXISTS (SELECT FROM @extschema@.period p WHERE p.period_id OPERATOR(pg_catalog.=) NEW.period_id) THEN
            RAISE EXCEPTION 'target for ME "%", period "%", item "%" names an unknown period',
                NEW.me_id, NEW.period_id, NEW.item
                USING ERRCODE = 'foreign_key_violation',
                      HINT = 'Add the period to wwva.period first.';
        END IF;
    END IF;
    IF NEW.item IS NULL OR NEW.item OPERATOR(pg_catalog.<>) ALL (@extschema@.statement_items()) THEN
        RAISE EXCEPTION 'target for ME "%", period "%" has unknown item "%"',
            NEW.me_id, NEW.period_id, NEW.item
            USING ERRCODE = 'check_violation',
                  HINT = 'item must be a line name of wwva.statement: ' OPERATOR(pg_catalog.||)
                         pg_catalog.array_to_string(@extschema@.statement_items(), ', ') OPERATOR(pg_catalog.||) '.';
    END IF;
    IF NEW.value IS NULL OR NEW.value OPERATOR(pg_catalog.=) ANY (ARRAY['NaN', 'Infinity', '-Infinity']::numeric[]) THEN
        RAISE EXCEPTION 'target for ME "%", period "%", item "%" has value %, which is not a finite number',
            NEW.me_id, NEW.period_id, NEW.item, COALESCE(NEW.value::text, 'NULL')
            USING ERRCODE = 'check_violation',
                  HINT = 'Give the target as a finite number in the line''s unit.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION wwva_internal.target_check() IS
'Trigger: rejects a wwva.target row with an unknown ME, period or item, or a non-finite value.';

CREATE TRIGGER target_check BEFORE INSERT OR UPDATE ON @extschema@.target
    FOR EACH ROW EXECUTE FUNCTION wwva_internal.target_check();

-- ---------------------------------------------------------------------------
-- Keys PostgreSQL would otherwise refuse without a hint
-- ---------------------------------------------------------------------------
-- A NULL ME id: the NOT NULL constraint stays; this trigger answers first,
-- with the row named and the fix.
CREATE FUNCTION wwva_internal.me_id_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NEW.me_id IS NULL THEN
        RAISE EXCEPTION 'an ME (name "%") has no me_id', NEW.name
            USING ERRCODE = 'not_null_violation',
                  HINT = 'Give every ME a non-empty id, such as ''xinchu''.';
    END IF;
    RETURN NEW;
END $$;
COMMENT ON FUNCTION wwva_internal.me_id_check() IS
'Trigger: rejects a wwva.me row without an me_id, with a hint.';
CREATE TRIGGER me_id_check BEFORE INSERT OR UPDATE ON @extschema@.me
    FOR EACH ROW EXECUTE FUNCTION wwva_internal.me_id_check();

-- TRUNCATE runs no row trigger, and the ledgers have no foreign key to
-- wwva.me: TRUNCATE wwva.me CASCADE empties both ledgers too, so that no
-- row is left without its ME.  Rows kept on a shard are not reached from
-- here; the TRUNCATE is refused while a foreign partition exists.
CREATE FUNCTION wwva_internal.me_truncate_cascade() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    foreign_partition regclass;
BEGIN
    SELECT t.relid INTO foreign_partition
      FROM (SELECT p.relid FROM pg_catalog.pg_partition_tree('@extschema@.ledger'::regclass) p
            UNION ALL
            SELECT p.relid FROM pg_catalog.pg_partition_tree('@extschema@.user_event'::regclass) p) t
      JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) t.relid
     WHERE c.relkind OPERATOR(pg_catalog.=) 'f'
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'cannot truncate wwva.me: the rows of foreign partition % would be left without their ME', foreign_partition
            USING ERRCODE = 'dependent_objects_still_exist',
                  HINT = 'Empty that partition on its own server and detach it first, or DELETE the MEs one by one once their rows are gone.';
    END IF;
    -- a table this TRUNCATE already emptied is left alone (it is still open)
    IF EXISTS (SELECT FROM @extschema@.ledger) THEN
        RAISE NOTICE 'truncate cascades to table "ledger"';
        TRUNCATE @extschema@.ledger;
    END IF;
    IF EXISTS (SELECT FROM @extschema@.user_event) THEN
        RAISE NOTICE 'truncate cascades to table "user_event"';
        TRUNCATE @extschema@.user_event;
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION wwva_internal.me_truncate_cascade() IS
'Trigger: TRUNCATE of wwva.me (CASCADE) empties wwva.ledger and wwva.user_event too; refused while they have a foreign partition.';
CREATE TRIGGER me_truncate_cascade AFTER TRUNCATE ON @extschema@.me
    FOR EACH STATEMENT EXECUTE FUNCTION wwva_internal.me_truncate_cascade();
-- ---------------------------------------------------------------------------
-- User data survives pg_dump
-- ---------------------------------------------------------------------------
SELECT pg_catalog.pg_extension_config_dump('@extschema@.me', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.period', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.ledger_default', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.ledger_entry_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.user_event_default', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.user_event_event_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.target', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.sharing_rule', '');

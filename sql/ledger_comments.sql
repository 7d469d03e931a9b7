-- ===========================================================================
-- What the two large tables and their columns hold (on the partitioned
-- parents since 0.5.0; the frozen 0.4.0 -> 0.5.0 upgrade carries a copy).
-- ===========================================================================

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

COMMENT ON TABLE @extschema@.user_event IS
'User actions, one row each; assigned to a period by the date of occurred_at in the ME''s time zone. Partitioned by me_id: rows of MEs without a partition of their own are kept in wwva.user_event_default.';
COMMENT ON TABLE @extschema@.user_event_default IS
'The local DEFAULT partition of wwva.user_event: the rows of every ME that has no partition of its own. Read and write wwva.user_event, not this table.';
COMMENT ON COLUMN @extschema@.user_event.event_id IS 'Generated identifier of the event.';
COMMENT ON COLUMN @extschema@.user_event.me_id IS 'ME whose ecosystem the action happened in (must exist in wwva.me).';
COMMENT ON COLUMN @extschema@.user_event.user_id IS 'The acting user.';
COMMENT ON COLUMN @extschema@.user_event.occurred_at IS 'When the action happened.';
COMMENT ON COLUMN @extschema@.user_event.kind IS
'''interaction'' (design iteration), ''transaction'' (reservation, presale, purchase), ''customization'' (user-maker interaction) or ''co_creation'' (community or platform-evolution contribution).';

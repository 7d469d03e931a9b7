-- Writes of every kind the scale-out tests make through the coordinator,
-- run the same on a single node: inserts, COPY, updates and deletes of
-- both ledgers, a target changed, and an ME without rows that comes and goes.
\set ON_ERROR_STOP 1
INSERT INTO wwva.ledger (entry_id, me_id, booked_on, stream, kind, behavior, amount, category)
VALUES (900001, 'me01', '2024-03-05', 'hardware', 'revenue', NULL, 1234.56, 'late sale'),
       (900002, 'me09', '2024-02-10', 'ecosystem', 'cost', 'variable', 99.99, 'platform fee');
COPY wwva.ledger (entry_id, me_id, booked_on, stream, kind, behavior, amount, category) FROM STDIN;
900003	me02	2024-04-01	ecosystem	revenue	\N	5000.00	copied
900004	me15	2024-05-31	hardware	cost	fixed	250.25	copied
\.
UPDATE wwva.ledger SET amount = amount + 1000 WHERE entry_id IN (10, 11, 12);
DELETE FROM wwva.ledger WHERE entry_id BETWEEN 20 AND 40;
INSERT INTO wwva.user_event (event_id, me_id, user_id, occurred_at, kind)
VALUES (900001, 'me01', 999999, '2024-03-05 10:00:00+08', 'transaction'),
       (900002, 'me01', 999999, '2024-03-06 10:00:00+08', 'transaction'),
       (900003, 'me01', 999999, '2024-03-07 10:00:00+08', 'co_creation');
COPY wwva.user_event (event_id, me_id, user_id, occurred_at, kind) FROM STDIN;
900004	me07	424242	2024-04-02 09:00:00+00	interaction
\.
DELETE FROM wwva.user_event WHERE event_id BETWEEN 100 AND 200;
UPDATE wwva.target SET value = value + 1 WHERE me_id = 'me02';
INSERT INTO wwva.me (me_id, name, timezone) VALUES ('me17', 'A new ME', 'UTC');
DELETE FROM wwva.me WHERE me_id = 'me17';

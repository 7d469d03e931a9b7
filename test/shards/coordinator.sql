-- The coordinator side of the postgres_fdw recipe of README "Scaling out",
-- as the scale-out test and benchmark run it: two shard servers, the
-- ledgers of each one's MEs as foreign partitions, partitionwise
-- aggregation on.  psql variables: port_a, port_b (the shards' ports),
-- shard_db (their database), mes_a, mes_b (quoted ME lists).
\set ON_ERROR_STOP 1
CREATE SCHEMA shards;
CREATE SERVER shard_a FOREIGN DATA WRAPPER postgres_fdw
    OPTIONS (host '127.0.0.1', port :'port_a', dbname :'shard_db', extensions 'wwva', async_capable 'true');
CREATE SERVER shard_b FOREIGN DATA WRAPPER postgres_fdw
    OPTIONS (host '127.0.0.1', port :'port_b', dbname :'shard_db', extensions 'wwva', async_capable 'true');
CREATE USER MAPPING FOR CURRENT_USER SERVER shard_a OPTIONS (user 'postgres');
CREATE USER MAPPING FOR CURRENT_USER SERVER shard_b OPTIONS (user 'postgres');
CREATE FOREIGN TABLE shards.ledger_a PARTITION OF wwva.ledger FOR VALUES IN (:mes_a)
    SERVER shard_a OPTIONS (schema_name 'wwva', table_name 'ledger');
CREATE FOREIGN TABLE shards.user_event_a PARTITION OF wwva.user_event FOR VALUES IN (:mes_a)
    SERVER shard_a OPTIONS (schema_name 'wwva', table_name 'user_event');
CREATE FOREIGN TABLE shards.ledger_b PARTITION OF wwva.ledger FOR VALUES IN (:mes_b)
    SERVER shard_b OPTIONS (schema_name 'wwva', table_name 'ledger');
CREATE FOREIGN TABLE shards.user_event_b PARTITION OF wwva.user_event FOR VALUES IN (:mes_b)
    SERVER shard_b OPTIONS (schema_name 'wwva', table_name 'user_event');
ALTER DATABASE :"DBNAME" SET enable_partitionwise_aggregate = on;
-- postgres_fdw plans with these statistics; a plain ANALYZE skips foreign tables
ANALYZE shards.ledger_a, shards.ledger_b, shards.user_event_a, shards.user_event_b, wwva.me, wwva.period;

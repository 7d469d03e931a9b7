-- ===========================================================================
-- Keys PostgreSQL would otherwise refuse without a hint (0.3.0): a NULL ME
-- id, and an EMC whose leader is missing or not an ME.  The NOT NULL and
-- foreign key constraints stay; these triggers answer first, with the row
-- named and the fix.
-- ===========================================================================
CREATE FUNCTION @extschema@.me_id_check() RETURNS trigger
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
COMMENT ON FUNCTION @extschema@.me_id_check() IS
'Trigger: rejects a wwva.me row without an me_id, with a hint.';
CREATE TRIGGER me_id_check BEFORE INSERT OR UPDATE ON @extschema@.me
    FOR EACH ROW EXECUTE FUNCTION @extschema@.me_id_check();

CREATE FUNCTION @extschema@.emc_leader_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NEW.leader_me_id IS NULL
       OR NOT EXISTS (SELECT FROM @extschema@.me m WHERE m.me_id OPERATOR(pg_catalog.=) NEW.leader_me_id) THEN
        RAISE EXCEPTION 'EMC "%" has leader "%", which is not an ME', NEW.emc_id, NEW.leader_me_id
            USING ERRCODE = 'foreign_key_violation',
                  HINT = 'The leader is the ME that leads the EMC: add it to wwva.me first.';
    END IF;
    RETURN NEW;
END $$;
COMMENT ON FUNCTION @extschema@.emc_leader_check() IS
'Trigger: rejects a wwva.emc row whose leader is missing or not in wwva.me, with a hint.';
CREATE TRIGGER emc_leader_check BEFORE INSERT OR UPDATE ON @extschema@.emc
    FOR EACH ROW EXECUTE FUNCTION @extschema@.emc_leader_check();

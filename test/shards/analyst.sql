-- An analyst who sees three MEs, by policies Citus accepts: Citus refuses
-- a policy with a subquery on the tables it distributes, so each ME has a
-- role (wwva_citus_me_<ME>) and the policies ask for membership.  Run the
-- same on a single node and on the coordinator.
\set ON_ERROR_STOP 1
CREATE ROLE wwva_citus_analyst LOGIN;
CREATE ROLE wwva_citus_me_me01 NOLOGIN;
CREATE ROLE wwva_citus_me_me09 NOLOGIN;
CREATE ROLE wwva_citus_me_me12 NOLOGIN;
GRANT wwva_citus_me_me01, wwva_citus_me_me09, wwva_citus_me_me12 TO wwva_citus_analyst;
SELECT wwva.grant_reader('wwva_citus_analyst');
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['me', 'ledger', 'user_event', 'target', 'sharing_rule'] LOOP
        EXECUTE format('ALTER TABLE wwva.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format($p$CREATE POLICY me_access ON wwva.%I FOR SELECT
                          USING (pg_has_role(to_regrole('wwva_citus_me_' || me_id)::oid, 'MEMBER'))$p$, t);
    END LOOP;
END $$;

-- An analyst who sees three MEs (README "Citus": one role per ME, the
-- analyst a member of three; the policies, the README's block
-- citus_policies, come after).  Run the same on a single node and on the
-- coordinator.
\set ON_ERROR_STOP 1
CREATE ROLE wwva_citus_analyst LOGIN;
CREATE ROLE wwva_me_me01 NOLOGIN;
CREATE ROLE wwva_me_me09 NOLOGIN;
CREATE ROLE wwva_me_me12 NOLOGIN;
GRANT wwva_me_me01, wwva_me_me09, wwva_me_me12 TO wwva_citus_analyst;
SELECT wwva.grant_reader('wwva_citus_analyst');

-- How the analyst named on a correction or an event was known (issue 19): 'typed' (a name typed
-- in the page, served to this machine only, without sign-in), 'oidc' (Streamlit's login with an
-- OpenID Connect provider), 'proxy' (the header of an authenticating reverse proxy), 'command'
-- (`vigia correct --analyst`). NULL on rows written before this column.
ALTER TABLE corrections ADD COLUMN identified_by VARCHAR;
ALTER TABLE analyst_events ADD COLUMN identified_by VARCHAR;

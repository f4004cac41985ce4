-- A neutralized copy of the database must not send SMS nor spend the company's
-- credit, and must hold no secret: archive every SMS account (queued messages
-- stay queued) and forget what only system administrators may read on them:
-- credentials, provider addresses, where the credentials were entered and the
-- delivery report secrets (a new one is made when an address is needed again,
-- so the production's report addresses do not authenticate on the copy).
-- The credential fields are ``<provider code>_<key>``: found from the provider
-- selection, so every provider's are covered.
UPDATE sms_gateway_account
   SET active = FALSE, hold_until = NULL, hold_reason = NULL,
       callback_secret = NULL, location = NULL, lock_notified = NULL;
DO $$
DECLARE
    credential_column text;
BEGIN
    FOR credential_column IN
        SELECT f.name
          FROM ir_model_fields f
          JOIN ir_model_fields_selection s ON s.value || '_' = left(f.name, length(s.value) + 1)
          JOIN ir_model_fields p ON p.id = s.field_id
         WHERE f.model = 'sms.gateway.account' AND f.store AND f.ttype = 'char'
           AND p.model = 'sms.gateway.account' AND p.name = 'provider'
    LOOP
        EXECUTE format('UPDATE sms_gateway_account SET %I = NULL', credential_column);
    END LOOP;
END $$;

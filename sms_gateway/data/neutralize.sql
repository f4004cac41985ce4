-- A neutralized copy of the database must not send SMS nor spend the company's
-- credit, and must hold no secret: archive every SMS account but the sandbox
-- ones (queued messages stay queued), forget the credentials (every
-- `<provider code>_<key>` column, whatever providers are installed), where
-- they were entered and the delivery report secrets (a new one is made when
-- an address is needed again, so the production's report addresses do not
-- authenticate on the copy). Settings rows never store credentials.
DO $$
DECLARE
    credential text;
BEGIN
    FOR credential IN
        SELECT f.name
          FROM ir_model_fields f
          JOIN ir_model_fields p
            ON p.model = 'sms.gateway.account' AND p.name = 'provider'
          JOIN ir_model_fields_selection s ON s.field_id = p.id
         WHERE f.model = 'sms.gateway.account'
           AND f.store
           AND f.name LIKE s.value || '\_%'
    LOOP
        EXECUTE format('UPDATE sms_gateway_account SET %I = NULL', credential);
    END LOOP;
END $$;
UPDATE sms_gateway_account
   SET active = CASE WHEN provider = 'sandbox' THEN active ELSE false END,
       callback_secret = NULL,
       location = NULL,
       lock_notified = NULL,
       hold_until = NULL,
       hold_reason = NULL;

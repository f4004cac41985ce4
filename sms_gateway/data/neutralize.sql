-- A neutralized copy of the database must not send SMS nor spend the company's
-- credit, and must hold no secret: disable the provider (queued messages stay
-- queued), forget the credentials, the provider addresses, where the
-- credentials were entered and the delivery report secrets (a new one is made
-- when a provider is enabled again, so the production's report addresses do
-- not authenticate on the copy). Settings rows never store credentials.
UPDATE res_company
   SET sms_gateway_provider = 'none',
       sms_gateway_smsapi_token = NULL,
       sms_gateway_smsapi_base_url = NULL,
       sms_gateway_twilio_account_sid = NULL,
       sms_gateway_twilio_auth_token = NULL,
       sms_gateway_twilio_base_url = NULL,
       sms_gateway_quriiri_api_key = NULL,
       sms_gateway_quriiri_base_url = NULL,
       sms_gateway_callback_secret = NULL,
       sms_gateway_location = NULL,
       sms_gateway_lock_notified = NULL;

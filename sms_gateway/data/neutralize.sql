-- A neutralized copy of the database must not send SMS nor spend the company's
-- credit: disable the provider (queued messages stay queued) and forget the
-- credentials and where they were entered.
UPDATE res_company
   SET sms_gateway_provider = 'none',
       sms_gateway_smsapi_token = NULL,
       sms_gateway_twilio_auth_token = NULL,
       sms_gateway_quriiri_api_key = NULL,
       sms_gateway_location = NULL;

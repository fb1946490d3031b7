-- 0020: notification emails get a delivery row too (scheduler/sched_webhook.c,
-- operators/email.c), written with the event like a webhook's, so a kill
-- of the scheduler between its commit and the sender's start neither
-- loses the email nor sends it twice. kind: webhook | email. An email's
-- hook is "(email)" and its payload the sender's spec without the smtp:
-- block (the password is never stored: read from sluice.yaml at sending).
ALTER TABLE webhook_deliveries ADD COLUMN kind TEXT NOT NULL DEFAULT 'webhook';

-- Webhook deliveries are claimed in the order their events were written: several events of one
-- transaction share a timestamp, so a sequence breaks the tie (a partner sees merchant.approved
-- before terminal.assigned, a sale before its void).
alter table webhook_deliveries add column seq bigint generated always as identity;
drop index webhook_deliveries_due;
create index webhook_deliveries_due on webhook_deliveries (next_attempt_at, seq) where status = 'pending';

-- Password-reset codes go to the user's own phone (users.phone), operators included, so an outbox
-- message may be addressed to a user rather than to a merchant's contact on file: merchant_id
-- becomes optional (set for merchant staff, null for operators) and user_id names the user.
alter table notification_messages alter column merchant_id drop not null;
alter table notification_messages add column user_id text;
alter table notification_attempts alter column merchant_id drop not null;
create index notification_messages_user on notification_messages (user_id, created_at) where user_id is not null;

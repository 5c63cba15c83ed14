-- "I did not expect this" (SPEC §7): a case the merchant reports as a possible scam is disputed;
-- its deadline is paused until an operator confirms it genuine (the deadline moves on by the
-- paused time) or fraudulent (the case is cancelled).
alter table reactivation_cases add column disputed_at timestamptz;
alter table reactivation_cases add column dispute_ticket_id text;
alter table reactivation_cases add column dispute_outcome text check (dispute_outcome in ('genuine', 'fraud'));

-- Refund shortfalls carried forward (SPEC §9, Appendix B). A day whose refunds exceed its sales has
-- a net of 0 (never negative); what the merchant still owes is carried to its next statements,
-- which deduct it before paying out, so the payouts over the days equal the payable movement.
--   shortfall_carried_in_fen: owed from earlier statements when this one was made
--   shortfall_deduction_fen:  recovered from this statement's payout (a separate deduction line)
--   shortfall_carried_fen:    still owed after this statement, carried to the next

alter table settlement_statements
  add column shortfall_carried_in_fen bigint not null default 0 check (shortfall_carried_in_fen >= 0),
  add column shortfall_deduction_fen bigint not null default 0 check (shortfall_deduction_fen >= 0),
  add column shortfall_carried_fen bigint not null default 0 check (shortfall_carried_fen >= 0);

-- What each merchant owes from refund shortfalls, updated by every settlement run that has a
-- statement for the merchant (runs are serialized, so out-of-order days are still counted once).
create table settlement_shortfalls (
  merchant_id text primary key references merchants (id),
  owed_fen bigint not null check (owed_fen >= 0),
  updated_date date not null,
  updated_at timestamptz not null
);

-- Statements made before this migration dropped any shortfall; it is still on the payable, so
-- the next statements recover it: owed = Σ (payout − (activity − deduction + deposit refunds)).
insert into settlement_shortfalls (merchant_id, owed_fen, updated_date, updated_at)
select merchant_id, sum(payout_fen - (activity_fen - deposit_deduction_fen + deposit_refund_fen)), max(date), now()
from settlement_statements
group by merchant_id
having sum(payout_fen - (activity_fen - deposit_deduction_fen + deposit_refund_fen)) > 0;

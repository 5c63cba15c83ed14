-- Terminal transactions (SPEC §8). A sale is one row; a void or refund is its own row (kind
-- 'void' / 'refund') pointing at the sale, dated on the day it happened, so a day's settlement
-- sums rows by business_date. Card data is never stored beyond BIN and last four.

create table transactions (
  id text primary key,
  merchant_id text not null references merchants (id),
  terminal_id text not null references terminals (id),
  kind text not null check (kind in ('sale', 'void', 'refund')),
  original_id text references transactions (id),
  status text not null check (status in ('approved', 'declined')),
  decline_code text,
  method text not null check (method in ('debit_card', 'credit_card', 'wechat_qr', 'alipay_qr', 'unionpay_qr')),
  amount_fen bigint not null check (amount_fen > 0),
  fee_fen bigint not null default 0 check (fee_fen >= 0),
  net_fen bigint not null,
  rate_ppm integer,
  cap_fen bigint,
  fee_rule_kind text,
  fee_rule_id text,
  card_bin text,
  card_last4 text,
  operator_no text,
  training boolean not null default false,
  -- Amount refunded so far against a sale (sales only).
  refunded_fen bigint not null default 0,
  voided_at timestamptz,
  occurred_at timestamptz not null,
  business_date date not null,            -- Asia/Shanghai calendar day of occurred_at
  settled_date date,                      -- set by the settlement that included the row
  created_at timestamptz not null
);
create index transactions_merchant_day on transactions (merchant_id, business_date);
create index transactions_terminal_time on transactions (terminal_id, occurred_at);
create index transactions_original on transactions (original_id);

-- Pricing (SPEC §8): plans with a contracted rate and optional cap per method, and rate rules
-- (industry, region, merchant, promotion) that may lower the rate. Rates are integer parts per
-- million, caps integer fen. The default plan is created here so every database can price.

create table pricing_plans (
  id text primary key,
  name text not null,
  is_default boolean not null default false,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
-- At most one default plan.
create unique index pricing_plans_one_default on pricing_plans (is_default) where is_default;

create table pricing_plan_rates (
  plan_id text not null references pricing_plans (id),
  method text not null check (method in ('debit_card', 'credit_card', 'wechat_qr', 'alipay_qr', 'unionpay_qr')),
  rate_ppm integer not null check (rate_ppm between 0 and 1000000),
  cap_fen bigint check (cap_fen >= 0),
  primary key (plan_id, method)
);

create table pricing_rules (
  id text primary key,
  kind text not null check (kind in ('industry', 'region', 'merchant', 'promotion')),
  name text not null,
  -- null: every method
  method text check (method in ('debit_card', 'credit_card', 'wechat_qr', 'alipay_qr', 'unionpay_qr')),
  rate_ppm integer not null check (rate_ppm between 0 and 1000000),
  mcc text,                 -- industry
  province text,            -- region (province name or code)
  city_code text,           -- region
  risk_level text check (risk_level in ('low', 'medium', 'high')), -- merchant
  merchant_id text,         -- merchant
  merchant_ids jsonb,       -- promotion: listed merchants, null = all merchants
  starts_on date,           -- window (Asia/Shanghai calendar days, inclusive); promotions need one
  ends_on date,
  active boolean not null default true,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index pricing_rules_active on pricing_rules (active, kind);

insert into pricing_plans (id, name, is_default, created_at, updated_at)
values ('pln_default0000000000000', 'Default plan', true, now(), now())
on conflict do nothing;
insert into pricing_plan_rates (plan_id, method, rate_ppm, cap_fen) values
  ('pln_default0000000000000', 'debit_card', 5000, 2500),
  ('pln_default0000000000000', 'credit_card', 6000, null),
  ('pln_default0000000000000', 'wechat_qr', 3800, null),
  ('pln_default0000000000000', 'alipay_qr', 3800, null),
  ('pln_default0000000000000', 'unionpay_qr', 6000, null)
on conflict do nothing;

-- Merchant documents (SPEC §3): the bytes live in the blob store under a random key; this table
-- records kind, sniffed content type, size and digest. A new upload of a kind replaces the old one.
create table merchant_documents (
  id text primary key,
  merchant_id text not null references merchants (id),
  kind text not null check (kind in ('id_front', 'id_back', 'license', 'storefront', 'bank_card')),
  blob_key text not null unique,
  content_type text not null check (content_type in ('image/jpeg', 'image/png', 'application/pdf')),
  size_bytes integer not null,
  sha256 text not null,
  status text not null default 'current' check (status in ('current', 'replaced')),
  uploaded_by text,
  created_at timestamptz not null
);
create index merchant_documents_merchant on merchant_documents (merchant_id, kind, status);

-- Operator-managed blacklist. Values are kept only as keyed hashes (and a mask for display).
create table merchant_blacklist (
  id text primary key,
  kind text not null check (kind in ('id_number', 'account_number', 'phone', 'uscc')),
  value_hash text not null,
  value_mask text not null,
  reason text not null,
  created_by text,
  created_at timestamptz not null,
  removed_at timestamptz,
  removed_by text
);
create unique index merchant_blacklist_active on merchant_blacklist (kind, value_hash) where removed_at is null;

-- Merchant events other modules read (e.g. re-activation on `merchant.settlement_account_changed`).
create table merchant_events (
  id text primary key,
  merchant_id text not null references merchants (id),
  type text not null,
  payload jsonb not null default '{}',
  created_at timestamptz not null
);
create index merchant_events_type on merchant_events (type, created_at, id);
create index merchant_events_merchant on merchant_events (merchant_id, created_at);

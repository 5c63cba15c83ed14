// Row types of the terminals module's tables.
import type { Generated, JSONColumnType } from 'kysely';
import type { DeviceKind, TerminalStatus } from './terminal.state.js';

export interface DeviceModelTable {
  code: string;
  name: string;
  kind: DeviceKind;
  price_fen: number;
  deposit_fen: number | null;
  deposit_threshold_fen: number | null;
  deposit_window_days: number | null;
  required_self_tests: JSONColumnType<string[], string, string>;
  min_firmware: string | null;
  created_at: Date;
}

export interface TerminalTable {
  id: string;
  sn: string;
  model_code: string;
  status: TerminalStatus;
  merchant_id: string | null;
  tid: string | null;
  factory_key_enc: string;
  terminal_key_enc: string | null;
  previous_terminal_key_enc: string | null;
  key_version: Generated<number>;
  firmware_version: string | null;
  last_city_code: string | null;
  last_lat: number | null;
  last_lng: number | null;
  last_battery: number | null;
  last_seen_at: Date | null;
  activated_at: Date | null;
  last_transaction_at: Date | null;
  training_mode: Generated<boolean>;
  replaced_by: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface TerminalEventTable {
  id: Generated<number>;
  terminal_id: string;
  merchant_id: string | null;
  at: Date;
  kind: string;
  from_status: string | null;
  to_status: string | null;
  actor_kind: string;
  actor_id: string | null;
  reason: string | null;
  details: JSONColumnType<Record<string, unknown>, string, string>;
}

export type ApplicationStatus = 'pending' | 'approved' | 'rejected' | 'shipped' | 'delivered';

export interface TerminalApplicationTable {
  id: string;
  merchant_id: string;
  model_code: string;
  quantity: number;
  status: ApplicationStatus;
  ship_recipient: string;
  ship_phone: string | null;
  ship_province: string | null;
  ship_city: string | null;
  ship_city_code: string | null;
  ship_district: string | null;
  ship_line: string;
  note: string | null;
  decision_note: string | null;
  decided_by: string | null;
  decided_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface ShipmentTable {
  id: string;
  application_id: string | null;
  merchant_id: string;
  carrier: string;
  tracking_number: string;
  status: 'shipped' | 'delivered';
  shipped_at: Date;
  delivered_at: Date | null;
  delivered_by: string | null;
}

export interface ShipmentTerminalTable {
  shipment_id: string;
  terminal_id: string;
  merchant_id: string;
}

export interface FirmwareReleaseTable {
  id: string;
  model_code: string;
  version: string;
  notes: string;
  rollout_percent: number;
  created_at: Date;
  updated_at: Date;
}

declare module '../../platform/db/schema.js' {
  interface Database {
    device_models: DeviceModelTable;
    terminals: TerminalTable;
    terminal_events: TerminalEventTable;
    terminal_applications: TerminalApplicationTable;
    shipments: ShipmentTable;
    shipment_terminals: ShipmentTerminalTable;
    firmware_releases: FirmwareReleaseTable;
  }
}

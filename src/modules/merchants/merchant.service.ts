// Merchant rules. Other modules read merchants only through this service.
import type { Executor } from '../../platform/db/schema.js';
import { AppError } from '../../platform/http/errors.js';
import type { MerchantTable } from './merchant.table.js';

export interface MerchantSummary {
  id: string;
  mid: string;
  status: MerchantTable['status'];
  legalName: string;
  phone: string | null;
  email: string | null;
  mcc: string | null;
  province: string | null;
  cityCode: string | null;
  riskLevel: MerchantTable['risk_level'];
  pricingPlanId: string | null;
  locale: string;
  quietStartMinute: number;
  quietEndMinute: number;
}

export async function getMerchantSummary(db: Executor, id: string): Promise<MerchantSummary> {
  const row = await db.selectFrom('merchants').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('merchant_not_found', `Merchant ${id} was not found`);
  return {
    id: row.id, mid: row.mid, status: row.status, legalName: row.legal_name, phone: row.phone, email: row.email,
    mcc: row.mcc, province: row.province, cityCode: row.city_code, riskLevel: row.risk_level,
    pricingPlanId: row.pricing_plan_id, locale: row.locale, quietStartMinute: row.quiet_start_minute,
    quietEndMinute: row.quiet_end_minute,
  };
}

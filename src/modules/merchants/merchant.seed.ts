// Demo merchants (idempotent: fixed ids and MIDs, inserts that do nothing when present).
// Documented in the README: the approved individual 张三便利店 answers on 13800138000.
import type { AppContext } from '../../platform/context.js';
import type { MerchantStatus, MerchantType } from './merchant.js';
import { maskAccountNumber, maskIdNumber, sealedFields } from './merchant.service.js';

interface DemoMerchant {
  id: string; mid: string; type: MerchantType; status: MerchantStatus; legalName: string; phone: string; email: string;
  idNumber: string; idName: string; idExpiry: string; uscc: string | null; licenseName: string | null;
  licenseExpiry: string | null; mcc: string; province: string; city: string; cityCode: string; district: string;
  line: string; bank: string; account: string; holder: string; riskScore: number | null;
}

export const demoMerchants: readonly DemoMerchant[] = [
  {
    id: 'mch_demo0000000000000001', mid: '898110054110001', type: 'individual', status: 'approved', legalName: '张三便利店',
    phone: '13800138000', email: 'zhangsan@example.com', idNumber: '110105199003071239', idName: '张三', idExpiry: '2040-03-07',
    uscc: null, licenseName: null, licenseExpiry: null, mcc: '5411', province: '北京市', city: '北京市', cityCode: '110100',
    district: '朝阳区', line: '建国路 88 号', bank: '中国工商银行', account: '6222021000000000017', holder: '张三', riskScore: 0,
  },
  {
    id: 'mch_demo0000000000000002', mid: '898310058120001', type: 'enterprise', status: 'approved', legalName: '上海激活餐饮有限公司',
    phone: '13900139000', email: 'finance@jihuo-canyin.example.cn', idNumber: '310115198511207898', idName: '李四',
    idExpiry: '2036-11-20', uscc: '91310115MA1K3XY02C', licenseName: '上海激活餐饮有限公司', licenseExpiry: '2045-12-31', mcc: '5812',
    province: '上海市', city: '上海市', cityCode: '310100', district: '浦东新区', line: '世纪大道 100 号', bank: '中国银行',
    account: '31001234567890', holder: '上海激活餐饮有限公司', riskScore: 0,
  },
  {
    id: 'mch_demo0000000000000003', mid: '898440358140001', type: 'individual', status: 'draft', legalName: '王五快餐',
    phone: '13700137000', email: 'wangwu@example.com', idNumber: '110105198805124561', idName: '王五', idExpiry: '2038-05-12',
    uscc: null, licenseName: null, licenseExpiry: null, mcc: '5814', province: '广东省', city: '深圳市', cityCode: '440300',
    district: '南山区', line: '科技园路 1 号', bank: '招商银行', account: '6217001234567890122', holder: '王五', riskScore: null,
  },
];

export async function seedMerchants(ctx: AppContext): Promise<void> {
  const at = ctx.clock.now();
  for (const m of demoMerchants) {
    const approved = m.status === 'approved';
    const inserted = await ctx.db.insertInto('merchants').values({
      id: m.id, mid: m.mid, type: m.type, status: m.status, legal_name: m.legalName, phone: m.phone, email: m.email,
      id_number_enc: ctx.cipher.seal(sealedFields.idNumber, m.idNumber), id_number_hash: ctx.hash('id_number', m.idNumber),
      id_number_mask: maskIdNumber(m.idNumber), id_name: m.idName, id_expiry: m.idExpiry, uscc: m.uscc,
      license_name: m.licenseName, license_expiry: m.licenseExpiry, mcc: m.mcc, province: m.province, city: m.city,
      city_code: m.cityCode, district: m.district, address_line: m.line, bank_name: m.bank,
      account_number_enc: ctx.cipher.seal(sealedFields.accountNumber, m.account),
      account_number_hash: ctx.hash('account_number', m.account), account_number_mask: maskAccountNumber(m.account),
      account_holder: m.holder, risk_score: m.riskScore, risk_level: m.riskScore === null ? null : 'low', risk_reasons: '[]',
      pricing_plan_id: null, submitted_at: approved ? at : null, approved_at: approved ? at : null,
      identity_check: approved ? 'pass' : null, identity_checked_at: approved ? at : null,
      account_check: approved ? 'pass' : null, account_checked_at: approved ? at : null, review_note: null,
      created_at: at, updated_at: at,
    }).onConflict((oc) => oc.doNothing()).returning('id').executeTakeFirst();
    if (!inserted) continue;
    await ctx.db.insertInto('merchant_status_history').values({
      merchant_id: m.id, at, from_status: null, to_status: m.status, actor_kind: 'system', actor_id: null, note: 'demo seed',
    }).execute();
  }
}

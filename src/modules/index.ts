// Every domain module, in dependency order (seeds run in this order).
import type { JihuoModule } from '../platform/module.js';
import { accountsModule } from './accounts/accounts.module.js';
import { activationModule } from './activation/activation.module.js';
import { auditModule } from './audit/audit.module.js';
import { depositsModule } from './deposits/deposits.module.js';
import { ledgerModule } from './ledger/ledger.module.js';
import { merchantsModule } from './merchants/merchants.module.js';
import { notificationsModule } from './notifications/notifications.module.js';
import { pricingModule } from './pricing/pricing.module.js';
import { reactivationModule } from './reactivation/reactivation.module.js';
import { riskModule } from './risk/risk.module.js';
import { settlementModule } from './settlement/settlement.module.js';
import { supportModule } from './support/support.module.js';
import { terminalsModule } from './terminals/terminals.module.js';
import { transactionsModule } from './transactions/transactions.module.js';

export const modules: readonly JihuoModule[] = [
  accountsModule,
  pricingModule,
  merchantsModule,
  terminalsModule,
  ledgerModule,
  notificationsModule,
  activationModule,
  reactivationModule,
  transactionsModule,
  settlementModule,
  depositsModule,
  riskModule,
  supportModule,
  auditModule,
];

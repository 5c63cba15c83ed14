// The risk rules of SPEC §10 as pure functions over a terminal's recent transactions: each says
// whether a (candidate or new) transaction makes the rule hit, with the evidence. Parameters are
// validated here, so a rule with nonsensical thresholds never reaches the database.
import { shanghaiDate, shanghaiMinuteOfDay } from '../../platform/clock.js';
import type { FieldError } from '../../platform/http/errors.js';

export const ruleKinds = ['velocity', 'large_after_activation', 'round_amounts', 'declines_burst', 'night_activity', 'location_mismatch'] as const;
export type RuleKind = (typeof ruleKinds)[number];
export const riskActions = ['flag', 'decline', 'open_risk_case', 'open_relocation_case'] as const;
export type RiskAction = (typeof riskActions)[number];

export interface VelocityParams { windowMinutes: number; maxCount?: number; maxAmountFen?: number }
export interface LargeAfterActivationParams { amountFen: number; days: number }
export interface RoundAmountsParams { count: number; multipleFen: number }
export interface DeclinesBurstParams { count: number; windowMinutes: number }
export interface NightActivityParams { startMinute: number; endMinute: number; mccs: string[] }
export type LocationMismatchParams = Record<string, never>;
export type RuleParams = VelocityParams | LargeAfterActivationParams | RoundAmountsParams | DeclinesBurstParams | NightActivityParams | LocationMismatchParams;

/** One transaction as the rules see it. */
export interface TxnView { id: string; amountFen: number; status: 'approved' | 'declined'; at: Date }

export interface RuleSubject {
  txn: TxnView;
  /** The terminal's other transactions, newest first, at least the longest window back. */
  history: TxnView[];
  activatedAt: Date | null;
  mcc: string | null;
}

export interface RuleOutcome { hit: boolean; evidence: Record<string, unknown>; windowKey: string; merchantVisible: Record<string, unknown> }

const miss: RuleOutcome = { hit: false, evidence: {}, windowKey: '', merchantVisible: {} };

function positiveInt(errors: FieldError[], field: string, value: unknown, max = Number.MAX_SAFE_INTEGER): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0 || value > max) {
    errors.push({ field: `params.${field}`, rule: 'positive_integer', message: `must be a whole number from 1 to ${max}` });
  }
}

export function validateParams(kind: RuleKind, params: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = [];
  switch (kind) {
    case 'velocity':
      positiveInt(errors, 'windowMinutes', params.windowMinutes, 24 * 60);
      if (params.maxCount === undefined && params.maxAmountFen === undefined) {
        errors.push({ field: 'params.maxCount', rule: 'one_of', message: 'set maxCount, maxAmountFen or both' });
      }
      if (params.maxCount !== undefined) positiveInt(errors, 'maxCount', params.maxCount);
      if (params.maxAmountFen !== undefined) positiveInt(errors, 'maxAmountFen', params.maxAmountFen);
      break;
    case 'large_after_activation': positiveInt(errors, 'amountFen', params.amountFen); positiveInt(errors, 'days', params.days, 3650); break;
    case 'round_amounts': positiveInt(errors, 'count', params.count, 10_000); positiveInt(errors, 'multipleFen', params.multipleFen); break;
    case 'declines_burst': positiveInt(errors, 'count', params.count, 10_000); positiveInt(errors, 'windowMinutes', params.windowMinutes, 24 * 60); break;
    case 'night_activity':
      for (const f of ['startMinute', 'endMinute'] as const) {
        const v = params[f];
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 1439) errors.push({ field: `params.${f}`, rule: 'minute_of_day', message: 'must be 0–1439' });
      }
      if (params.startMinute === params.endMinute) errors.push({ field: 'params.endMinute', rule: 'window', message: 'the night window is empty' });
      if (!Array.isArray(params.mccs) || params.mccs.length === 0 || !params.mccs.every((m) => typeof m === 'string' && /^\d{4}$/.test(m))) {
        errors.push({ field: 'params.mccs', rule: 'mcc_list', message: 'must list 4-digit MCCs' });
      }
      break;
    case 'location_mismatch': break;
    default: { const never: never = kind; throw new Error(`unknown rule ${String(never)}`); }
  }
  return errors;
}

/** Longest look-back (minutes) a rule needs from the history. */
export function lookBackMinutes(kind: RuleKind, params: RuleParams): number {
  switch (kind) {
    case 'velocity': return (params as VelocityParams).windowMinutes;
    case 'declines_burst': return (params as DeclinesBurstParams).windowMinutes;
    case 'round_amounts': return 24 * 60;
    case 'large_after_activation': case 'night_activity': case 'location_mismatch': return 0;
    default: { const never: never = kind; throw new Error(`unknown rule ${String(never)}`); }
  }
}

function within(history: TxnView[], at: Date, minutes: number): TxnView[] {
  const from = at.getTime() - minutes * 60_000;
  return history.filter((h) => h.at.getTime() > from && h.at.getTime() <= at.getTime());
}

function bucket(at: Date, minutes: number): string {
  return String(Math.floor(at.getTime() / (minutes * 60_000)));
}

export function inNightWindow(at: Date, startMinute: number, endMinute: number): boolean {
  const m = shanghaiMinuteOfDay(at);
  return startMinute < endMinute ? m >= startMinute && m < endMinute : m >= startMinute || m < endMinute;
}

/** Evaluates a transaction rule; `location_mismatch` is evaluated on heartbeats (see risk.service). */
export function evaluateRule(kind: RuleKind, params: RuleParams, s: RuleSubject): RuleOutcome {
  const { txn } = s;
  switch (kind) {
    case 'velocity': {
      const p = params as VelocityParams;
      const recent = [txn, ...within(s.history, txn.at, p.windowMinutes).filter((h) => h.status === 'approved' && h.id !== txn.id)];
      const total = recent.reduce((sum, h) => sum + h.amountFen, 0);
      const overCount = p.maxCount !== undefined && recent.length > p.maxCount;
      const overAmount = p.maxAmountFen !== undefined && total > p.maxAmountFen;
      if (!overCount && !overAmount) return miss;
      return { hit: true, windowKey: bucket(txn.at, p.windowMinutes), evidence: { transactionIds: recent.map((h) => h.id), count: recent.length, totalFen: total, windowMinutes: p.windowMinutes },
        merchantVisible: { summary: `${recent.length} transactions totalling ${total} fen within ${p.windowMinutes} minutes` } };
    }
    case 'large_after_activation': {
      const p = params as LargeAfterActivationParams;
      if (!s.activatedAt || txn.amountFen < p.amountFen) return miss;
      if (txn.at.getTime() - s.activatedAt.getTime() > p.days * 86_400_000) return miss;
      return { hit: true, windowKey: txn.id, evidence: { transactionIds: [txn.id], amountFen: txn.amountFen, activatedAt: s.activatedAt.toISOString() },
        merchantVisible: { summary: `a transaction of ${txn.amountFen} fen within ${p.days} days of activation` } };
    }
    case 'round_amounts': {
      const p = params as RoundAmountsParams;
      if (txn.amountFen % p.multipleFen !== 0) return miss;
      const day = shanghaiDate(txn.at);
      const round = [txn, ...s.history.filter((h) => h.id !== txn.id && h.status === 'approved' && h.amountFen % p.multipleFen === 0 && shanghaiDate(h.at) === day)];
      if (round.length < p.count) return miss;
      return { hit: true, windowKey: day, evidence: { transactionIds: round.map((h) => h.id), count: round.length, multipleFen: p.multipleFen },
        merchantVisible: { summary: `${round.length} round-amount transactions on ${day}` } };
    }
    case 'declines_burst': {
      const p = params as DeclinesBurstParams;
      if (txn.status !== 'declined') return miss;
      const declines = [txn, ...within(s.history, txn.at, p.windowMinutes).filter((h) => h.status === 'declined' && h.id !== txn.id)];
      if (declines.length < p.count) return miss;
      return { hit: true, windowKey: bucket(txn.at, p.windowMinutes), evidence: { transactionIds: declines.map((h) => h.id), count: declines.length },
        merchantVisible: { summary: `${declines.length} declined attempts within ${p.windowMinutes} minutes` } };
    }
    case 'night_activity': {
      const p = params as NightActivityParams;
      if (!s.mcc || !p.mccs.includes(s.mcc) || !inNightWindow(txn.at, p.startMinute, p.endMinute)) return miss;
      return { hit: true, windowKey: shanghaiDate(txn.at), evidence: { transactionIds: [txn.id], mcc: s.mcc },
        merchantVisible: { summary: 'transactions at night for a business that trades in the day' } };
    }
    case 'location_mismatch': return miss;
    default: { const never: never = kind; throw new Error(`unknown rule ${String(never)}`); }
  }
}

// Device messages (SPEC §6 `GET /terminal/v1/messages`): notices and update prompts queued for one
// terminal. Other modules (notifications, re-activation) queue through `queueTerminalMessage`.
import type { AppContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/schema.js';
import { newId } from '../../platform/ids.js';
import { terminalAnnouncements } from '../support/announcement.service.js';
import type { Localized } from './self-test.js';

export interface TerminalMessageInput {
  terminalId: string;
  merchantId: string | null;
  /** e.g. 'notice', 'update', 'activation', 'reactivation'. */
  kind: string;
  text: Localized;
  noticeCode?: string | null;
  /** Business time of queuing (the caller's clock: the test clock moves it). */
  at: Date;
}

export interface TerminalMessageView {
  id: string;
  kind: string;
  text: Localized;
  noticeCode: string | null;
  createdAt: string;
}

export const terminalMessagesMax = 50;

/** Queues a message for a terminal, in the caller's transaction; it shows on the next hello. */
export async function queueTerminalMessage(trx: Executor, input: TerminalMessageInput): Promise<string> {
  const id = newId('msg');
  await trx.insertInto('terminal_messages').values({
    id, terminal_id: input.terminalId, merchant_id: input.merchantId, kind: input.kind,
    text_zh: input.text.zh, text_en: input.text.en, notice_code: input.noticeCode ?? null,
    created_at: input.at, delivered_at: null,
  }).execute();
  return id;
}

/**
 * Messages for a terminal: queued ones (marked delivered; `undeliveredOnly` for hello) and the
 * announcements active now (maintenance windows, updates) with their notice codes, bounded.
 */
export async function terminalMessages(ctx: AppContext, trx: Executor, terminalId: string, now: Date,
  options: { undeliveredOnly: boolean }): Promise<TerminalMessageView[]> {
  let query = trx.selectFrom('terminal_messages').selectAll().where('terminal_id', '=', terminalId);
  if (options.undeliveredOnly) query = query.where('delivered_at', 'is', null);
  const rows = await query.orderBy('created_at', 'desc').limit(terminalMessagesMax).execute();
  const undelivered = rows.filter((r) => r.delivered_at === null).map((r) => r.id);
  if (undelivered.length > 0) {
    await trx.updateTable('terminal_messages').set({ delivered_at: now }).where('id', 'in', undelivered).execute();
  }
  const queued = rows.map((r): TerminalMessageView => ({
    id: r.id, kind: r.kind, text: { zh: r.text_zh, en: r.text_en }, noticeCode: r.notice_code, createdAt: r.created_at.toISOString(),
  }));
  const shown = await terminalAnnouncements(ctx, trx, terminalId, now, terminalMessagesMax);
  const announcements = shown.map(({ announcement: a, noticeCode }): TerminalMessageView => ({
    id: a.id, kind: a.kind === 'maintenance' ? 'notice' : a.kind === 'firmware' || a.kind === 'update' ? 'update' : 'notice',
    text: { zh: `${a.title_zh}：${a.body_zh}`, en: `${a.title_en}: ${a.body_en}` }, noticeCode,
    createdAt: (a.published_at ?? a.starts_at).toISOString(),
  }));
  return [...queued, ...announcements];
}

// Delivery providers (SPEC §11, Appendix A): SMTP email through nodemailer, an HTTP webhook SMS
// gateway with the body `{"to", "text", "noticeCode"}`, and a console provider for development
// that logs a masked line only (never the text, which may carry a code, nor the full recipient).
import nodemailer, { type Transporter } from 'nodemailer';
import type { AppContext } from '../../platform/context.js';
import { maskEmail, maskPhone } from '../../platform/crypto/mask.js';
import { providerTimeoutMs } from './notification.limits.js';

export interface OutgoingMessage { messageId: string; to: string; subject: string; text: string; noticeCode: string }
export interface Provider {
  name: string;
  send(message: OutgoingMessage): Promise<{ providerMessageId: string | null }>;
}

export class ProviderError extends Error {}

export function smsWebhookProvider(url: string): Provider {
  return {
    name: 'sms_webhook',
    async send(message) {
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ to: message.to, text: message.text, noticeCode: message.noticeCode }),
          signal: AbortSignal.timeout(providerTimeoutMs),
        });
      } catch (err) {
        throw new ProviderError(`SMS gateway unreachable: ${(err as Error).message}`);
      }
      const answer = (await response.text().catch(() => '')).slice(0, 200);
      if (!response.ok) throw new ProviderError(`SMS gateway answered HTTP ${response.status}${answer ? `: ${answer}` : ''}`);
      return { providerMessageId: response.headers.get('x-message-id') };
    },
  };
}

export function smtpProvider(url: string, fromDomain: string): Provider {
  const transport: Transporter = nodemailer.createTransport(url, {
    connectionTimeout: providerTimeoutMs, greetingTimeout: providerTimeoutMs, socketTimeout: providerTimeoutMs,
  } as never);
  return {
    name: 'smtp',
    async send(message) {
      try {
        const info = await transport.sendMail({
          from: `Jihuo <noreply@${fromDomain}>`, to: message.to, subject: message.subject, text: message.text,
          headers: { 'X-Jihuo-Notice-Code': message.noticeCode },
        });
        return { providerMessageId: typeof info.messageId === 'string' ? info.messageId : null };
      } catch (err) {
        throw new ProviderError(`SMTP delivery failed: ${(err as Error).message}`);
      }
    },
  };
}

export function consoleProvider(ctx: AppContext, channel: 'sms' | 'email'): Provider {
  return {
    name: `console_${channel}`,
    async send(message) {
      const to = channel === 'sms' ? maskPhone(message.to) : maskEmail(message.to);
      ctx.log.info({ channel, to, messageId: message.messageId }, 'notification delivered to the console provider');
      return { providerMessageId: null };
    },
  };
}

export interface Providers { sms: Provider; email: Provider }

const cache = new WeakMap<AppContext, Providers>();

/** The providers for a context, from `ctx.config.smsWebhookUrl` / `smtpUrl` (console when unset). */
export function providersFor(ctx: AppContext): Providers {
  let providers = cache.get(ctx);
  if (!providers) {
    providers = {
      sms: ctx.config.smsWebhookUrl ? smsWebhookProvider(ctx.config.smsWebhookUrl) : consoleProvider(ctx, 'sms'),
      email: ctx.config.smtpUrl ? smtpProvider(ctx.config.smtpUrl, ctx.config.officialDomain) : consoleProvider(ctx, 'email'),
    };
    cache.set(ctx, providers);
  }
  return providers;
}

// A domain module plugs into the platform through this descriptor: its routes (under /v1 and
// /terminal/v1), its demo seed, and its background workers.
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppContext } from './context.js';
import type { Authenticator } from './http/auth.js';

export type JihuoApp = FastifyInstance<
  RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider
>;

export interface Worker {
  name: string;
  /** How often the worker runs when the server runs workers. */
  intervalMs: number;
  /** One bounded pass; safe to run on several instances at once (locks live in the database). */
  run(ctx: AppContext): Promise<void>;
}

/** A column holding values sealed with `ctx.cipher.seal(field, …)`, for key rotation. */
export interface SealedColumn { table: string; key: string; column: string; field: string }

export interface JihuoModule {
  name: string;
  routes?(app: JihuoApp, ctx: AppContext): Promise<void> | void;
  /** Demo data for `jihuo seed`; must be idempotent. Modules seed in registry order. */
  seed?(ctx: AppContext): Promise<void>;
  workers?: Worker[];
  /** Ways this module recognises callers (e.g. session cookies), tried after API keys. */
  authenticators?(ctx: AppContext): Authenticator[];
  /** Columns of this module's tables that hold sealed (encrypted) values. */
  sealedColumns?: SealedColumn[];
}

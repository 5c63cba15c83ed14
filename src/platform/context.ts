// What every module's routes, services and workers receive: the database, configuration,
// clock, logger, field cipher, keyed hashing and the audit writer. Built once per process.
import type { Actor } from './actor.js';
import { appendAudit, type AuditInput } from './audit.js';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import { keyedHash, type HashPurpose } from './crypto/hash.js';
import { FieldCipher } from './crypto/seal.js';
import type { DatabaseKind } from './db/database.js';
import type { Db, Executor } from './db/schema.js';
import type { Logger } from './log.js';

export interface AppContext {
  config: Config;
  db: Db;
  dbKind: DatabaseKind;
  clock: Clock;
  log: Logger;
  cipher: FieldCipher;
  hash(purpose: HashPurpose, value: string): string;
  audit(trx: Executor, actor: Actor, input: AuditInput): Promise<string>;
}

export function createContext(options: { config: Config; db: Db; dbKind: DatabaseKind; clock: Clock; log: Logger }): AppContext {
  const { config, clock } = options;
  return {
    ...options,
    cipher: new FieldCipher(config.secrets),
    hash: (purpose, value) => keyedHash(config.secrets.hmacKey, purpose, value),
    audit: (trx, actor, input) => appendAudit(trx, config.secrets.hmacKey, clock.now(), actor, input),
  };
}

// The Kysely database type. Each module adds its own tables to it from its `*.table.ts` file
// by module augmentation, so no shared file lists every table:
//
//   declare module '../../platform/db/schema.js' {
//     interface Database { merchants: MerchantTable }
//   }
import type { Kysely, Transaction } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface Database {}

export type Db = Kysely<Database>;
export type Trx = Transaction<Database>;
/** Either the database or an open transaction: repository functions take this. */
export type Executor = Kysely<Database>;

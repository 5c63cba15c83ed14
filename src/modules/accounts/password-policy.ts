// Password rules (SPEC §13, PCI DSS 8.3.6): at least 12 characters, not a common password, not
// made of one repeated character or an obvious sequence. Pure; property-tested.
// Common passwords: the dictionary of zxcvbn-ts (`@zxcvbn-ts/language-common`, about 49,000
// passwords from public breach lists) plus our own list of local ones (common-passwords.txt).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dictionary } from '@zxcvbn-ts/language-common';
import { projectRoot } from '../../platform/paths.js';

export const passwordLengthMin = 12;
export const passwordLengthMax = 128;
/** Entries of our local list at least this long are refused inside a longer password too. */
export const embeddedCommonLengthMin = 8;

interface CommonPasswords { all: Set<string>; embedded: string[] }

let common: CommonPasswords | undefined;

function commonPasswords(): CommonPasswords {
  if (!common) {
    const local = readFileSync(join(projectRoot(), 'src/modules/accounts/common-passwords.txt'), 'utf8')
      .split('\n').map((l) => l.trim().toLowerCase()).filter((l) => l && !l.startsWith('#'));
    const breached = dictionary['passwords-common'].map((p) => p.toLowerCase());
    common = {
      all: new Set([...breached, ...local]),
      embedded: local.filter((p) => p.length >= embeddedCommonLengthMin),
    };
  }
  return common;
}

/** Whether `password` is in the common-password dictionary (exactly, in lower case). */
export function isCommonPassword(password: string): boolean {
  return commonPasswords().all.has(password.toLowerCase());
}

export type PasswordProblem = 'too_short' | 'too_long' | 'common' | 'repetitive' | 'contains_login';

function isSequence(value: string): boolean {
  let up = true; let down = true;
  for (let i = 1; i < value.length; i++) {
    const step = value.charCodeAt(i) - value.charCodeAt(i - 1);
    if (step !== 1) up = false;
    if (step !== -1) down = false;
  }
  return up || down;
}

export function passwordProblems(password: string, login = ''): PasswordProblem[] {
  const problems: PasswordProblem[] = [];
  const chars = [...password];
  if (chars.length < passwordLengthMin) problems.push('too_short');
  if (chars.length > passwordLengthMax) problems.push('too_long');
  const lower = password.toLowerCase();
  const list = commonPasswords();
  // A common password with digits or punctuation glued on is still a common password. Only the
  // local list is searched inside longer passwords: the breach dictionary holds ordinary words.
  const stem = lower.replace(/[^a-z]+$/g, '').replace(/^[^a-z]+/g, '');
  if (list.all.has(lower) || (stem.length >= 4 && list.all.has(stem)) || list.embedded.some((p) => lower.includes(p))) {
    problems.push('common');
  }
  if (new Set(chars).size <= 2 || isSequence(password)) problems.push('repetitive');
  const loginStem = login.toLowerCase().split('@')[0] ?? '';
  if (loginStem.length >= 4 && lower.includes(loginStem)) problems.push('contains_login');
  return problems;
}

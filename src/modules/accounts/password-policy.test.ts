// Proves the password rules: length, common passwords (local list and breach dictionary, also with affixes), repetition, login reuse.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isCommonPassword, passwordProblems } from './password-policy.js';

describe('passwordProblems', () => {
  it('refuses anything shorter than 12 characters', () => {
    fc.assert(fc.property(fc.string({ maxLength: 11 }), (pw) => {
      expect(passwordProblems(pw)).toContain('too_short');
    }));
  });

  it('accepts long random passwords', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 12, maxLength: 24 }), (bytes) => {
      const pw = `Zq!${Buffer.from(bytes).toString('base64url')}`;
      expect(passwordProblems(pw)).toEqual([]);
    }));
  });

  it.each([
    ['password1234', 'common'], ['Password2024!', 'common'], ['qwertyuiop12', 'common'], ['123456789012', 'common'],
    ['aaaaaaaaaaaaaaa', 'repetitive'], ['abcdefghijklmnop', 'repetitive'], ['zhangsan-secret-99', 'contains_login'],
  ])('refuses %s as %s', (pw, problem) => {
    expect(passwordProblems(pw, 'zhangsan@example.com')).toContain(problem);
  });

  it.each(['leavemealone', 'finalfantasy', 'sonyericsson', 'Mustang2024!!', '1q2w3e4r5t6y', 'Qazwsxedcrfv'])(
    'refuses %s from the zxcvbn-ts breach dictionary', (pw) => {
      expect(passwordProblems(pw, 'li.ming@example.com')).toEqual(['common']);
    });

  it('has the breach dictionary loaded, not only the local list', () => {
    for (const pw of ['leavemealone', 'mustang', 'sunshine', 'woaini1314']) expect(isCommonPassword(pw)).toBe(true);
    expect(isCommonPassword('blue-tiger-rides-42-clouds')).toBe(false);
  });

  it('accepts a passphrase', () => {
    expect(passwordProblems('blue-Tiger-rides-42-clouds', 'li.ming@example.com')).toEqual([]);
  });
});

// Finds the notice code printed at the end of a message ("核验码 K7M2Q9TX，…" or
// "Notice code K7M2Q9TX: …"), so the inbox can link each message to /verify.

export function noticeCodeIn(text: string): string | null {
  const matches = [...text.matchAll(/(?:核验码|Notice code)\s+([A-Za-z0-9]{4,16})/g)];
  return matches.at(-1)?.[1] ?? null;
}

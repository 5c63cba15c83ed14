// Stable slugs of help-centre articles (SPEC §12). Every API answer that names an activation step,
// self-test component, re-activation reason, decline code or activation error carries the slug made here.

export const helpTopics = ['activation-step', 'self-test', 'reactivation', 'decline', 'error'] as const;
export type HelpTopic = (typeof helpTopics)[number];

/** `helpSlug('reactivation', 'system_upgrade')` → `reactivation-system-upgrade`. */
export function helpSlug(topic: HelpTopic, code: string): string {
  return `${topic}-${code.replace(/[_\s]+/g, '-').replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase()}`;
}

/**
 * The article for a decline code. A terminal blocked by a re-activation case declines with the
 * case's reason code (Appendix B); its article is the re-activation one.
 */
export function declineHelpSlug(code: string, reasonCodes: readonly string[]): string {
  return reasonCodes.includes(code) ? helpSlug('reactivation', code) : helpSlug('decline', code);
}

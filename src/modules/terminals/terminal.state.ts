// The terminal state machine of SPEC §4, as one table of allowed transitions. Every status change
// goes through `transitionTerminal` (terminal.service.ts), which enforces this table.

export const deviceKinds = ['traditional', 'smart', 'esign', 'mobile', 'qr_box'] as const;
export type DeviceKind = (typeof deviceKinds)[number];

export const terminalStatuses = [
  'in_stock', 'allocated', 'shipped', 'delivered', 'activating', 'self_test', 'active',
  'reactivation_required', 'suspended', 'retired',
] as const;
export type TerminalStatus = (typeof terminalStatuses)[number];

export const terminalTransitions: Record<TerminalStatus, readonly TerminalStatus[]> = {
  in_stock: ['allocated', 'delivered', 'retired'],
  allocated: ['shipped', 'in_stock', 'retired'],
  shipped: ['delivered', 'retired'],
  delivered: ['activating', 'retired'],
  activating: ['self_test', 'delivered', 'retired'],
  self_test: ['active', 'retired'],
  active: ['reactivation_required', 'suspended', 'retired'],
  reactivation_required: ['active', 'activating', 'self_test', 'suspended', 'retired'],
  suspended: ['active', 'reactivation_required', 'retired'],
  retired: [],
};

export function canTransition(from: TerminalStatus, to: TerminalStatus): boolean {
  return terminalTransitions[from].includes(to);
}

/** Statuses in which a terminal may transact (grace cases keep `active`). */
export function canTransact(status: TerminalStatus): boolean {
  return status === 'active';
}

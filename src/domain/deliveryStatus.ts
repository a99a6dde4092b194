// The delivery life cycle. The table below is the only place that says which status may follow which: the guarded
// statements in src/store/ take their "from" states from it (edge()), and the services check a person's request
// against it (assertTransition) so an illegal one is refused with a clear error instead of corrupting history.
import { conflict } from './errors.js';
import type { DeliveryStatus } from '../generated/prisma/enums.js';

export type { DeliveryStatus };

const transitions: Record<DeliveryStatus, readonly DeliveryStatus[]> = {
  // A draft held by an app/uninstalled (src/store/sourceHolds.ts) goes back to what it was held from on a reinstall
  // (SCHEDULED, PENDING, AWAITING_APPROVAL), or is cancelled when the store joins another workspace.
  DRAFT: ['SCHEDULED', 'PENDING', 'CANCELLED', 'AWAITING_APPROVAL'],
  // -> AWAITING_APPROVAL: an approved post whose content is edited by someone whose posts need approval.
  PENDING: ['SCHEDULED', 'PENDING', 'DRAFT', 'CANCELLED', 'AWAITING_APPROVAL'],
  // Held for an ADMIN (the workspace's approval setting): approved (SCHEDULED, or PENDING for the smart scheduler),
  // sent back to its author (DRAFT), or rejected or withdrawn (CANCELLED). Never PUBLISHING: the claim takes SCHEDULED only.
  AWAITING_APPROVAL: ['SCHEDULED', 'PENDING', 'DRAFT', 'CANCELLED'],
  SCHEDULED: ['SCHEDULED', 'PUBLISHING', 'PENDING', 'DRAFT', 'CANCELLED', 'AWAITING_APPROVAL'],
  PUBLISHING: ['PUBLISHED', 'SCHEDULED', 'FAILED', 'UNCONFIRMED'],
  PUBLISHED: [],
  FAILED: ['SCHEDULED', 'CANCELLED', 'AWAITING_APPROVAL'],
  // The network may or may not have the post: a lookup or a person settles it, or a person forces a retry.
  UNCONFIRMED: ['PUBLISHED', 'SCHEDULED', 'CANCELLED'],
  CANCELLED: ['SCHEDULED', 'DRAFT'],
};

export const DELIVERY_STATUSES = Object.keys(transitions) as DeliveryStatus[];

export function canTransition(from: DeliveryStatus, to: DeliveryStatus): boolean {
  return transitions[from].includes(to);
}

/**
 * The statuses a guarded statement may move to `to`. `from` narrows the table to what one actor may do (a person
 * never moves a PUBLISHING delivery); naming an edge the table lacks throws when the module loads.
 */
export function edge(from: readonly DeliveryStatus[], to: DeliveryStatus): { from: DeliveryStatus[]; to: DeliveryStatus } {
  const illegal = from.filter((s) => !canTransition(s, to));
  if (illegal.length) throw new Error(`Not in the delivery transition table: ${illegal.join(', ')} -> ${to}`);
  return { from: [...from], to };
}

export function assertTransition(deliveryId: string, from: DeliveryStatus, to: DeliveryStatus): void {
  if (!canTransition(from, to)) {
    throw conflict(`Delivery ${deliveryId} is ${from}: it cannot become ${to}${from === 'PUBLISHED' ? ' (it is already on the network)' : ''}`, {
      deliveryId,
      from,
      to,
    });
  }
}

/** Statuses a person may still change (time, content, cancel): not on the network, not being published, not in doubt. */
export const EDITABLE_STATUSES: readonly DeliveryStatus[] = ['DRAFT', 'PENDING', 'SCHEDULED', 'FAILED', 'CANCELLED'];

/** Statuses that need a person: given up on, or maybe published (the dead-letter list). */
export const NEEDS_ATTENTION: readonly DeliveryStatus[] = ['FAILED', 'UNCONFIRMED'];

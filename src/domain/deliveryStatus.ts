// The delivery life cycle. Every status change goes through assertTransition, so an illegal one
// (cancelling a published delivery, say) is refused with a clear error instead of corrupting history.
import { conflict } from './errors.js';
import type { DeliveryStatus } from '../generated/prisma/enums.js';

export type { DeliveryStatus };

const transitions: Record<DeliveryStatus, readonly DeliveryStatus[]> = {
  DRAFT: ['SCHEDULED', 'PENDING', 'CANCELLED'],
  PENDING: ['SCHEDULED', 'DRAFT', 'CANCELLED'],
  SCHEDULED: ['SCHEDULED', 'PUBLISHING', 'PENDING', 'DRAFT', 'CANCELLED'],
  PUBLISHING: ['PUBLISHED', 'SCHEDULED', 'FAILED'],
  PUBLISHED: [],
  FAILED: ['SCHEDULED', 'CANCELLED'],
  CANCELLED: ['SCHEDULED', 'DRAFT'],
};

export function canTransition(from: DeliveryStatus, to: DeliveryStatus): boolean {
  return transitions[from].includes(to);
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

/** Statuses a person may still change (time, content, cancel): not on the network, not being published. */
export const EDITABLE_STATUSES: readonly DeliveryStatus[] = ['DRAFT', 'PENDING', 'SCHEDULED', 'FAILED', 'CANCELLED'];

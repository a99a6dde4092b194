// The smart scheduler's placement ("add to queue"): spreads pending deliveries evenly over each channel's free
// slots in a horizon, under every rule of its policy and inside its queue hours (policies compiled with layer QUEUE). Higher priority first, then older first, sources taking
// turns; a share of each day's capacity is kept free for hand-scheduled posts. Pure and deterministic.
import type { CompiledPolicy } from './policy.js';
import { Occupancy } from './occupancy.js';
import { findSlot, type RuleHit } from './slots.js';

export interface PendingDelivery {
  id: string;
  channelId: string;
  priority: number;
  createdAt: number;
  /** Items with the same source (an import, a catalog) take turns with other sources. */
  sourceKey: string;
}

export interface ChannelSchedule {
  policy: CompiledPolicy;
  occupied: Occupancy;
}

export interface Placement {
  id: string;
  channelId: string;
  at: number;
  /** Slot finder moves from the evenly spread target to the instant taken (usually none). */
  hits: RuleHit[];
  slot: number;
  slots: number;
}

export interface Unplaced {
  id: string;
  channelId: string;
  hits: RuleHit[];
  capacity: number;
}

export interface PlacementResult {
  placed: Placement[];
  unplaced: Unplaced[];
}

/** How finely free time is cut into slots on channels without a minimum interval. */
const SLOT_GRANULARITY_MS = 5 * 60_000;

export function placePending(items: PendingDelivery[], channels: Map<string, ChannelSchedule>, now: number, horizonMs: number): PlacementResult {
  const result: PlacementResult = { placed: [], unplaced: [] };
  const byChannel = new Map<string, PendingDelivery[]>();
  for (const item of items) {
    if (!byChannel.has(item.channelId)) byChannel.set(item.channelId, []);
    byChannel.get(item.channelId)!.push(item);
  }
  for (const channelId of [...byChannel.keys()].sort()) {
    const schedule = channels.get(channelId);
    if (!schedule) throw new Error(`No schedule for channel ${channelId}`);
    placeOnChannel(queueOrder(byChannel.get(channelId)!), schedule, now, now + horizonMs, result);
  }
  return result;
}

/** Priority first; within a priority, sources take turns, each oldest first. */
export function queueOrder(items: PendingDelivery[]): PendingDelivery[] {
  const byAge = (a: PendingDelivery, b: PendingDelivery) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const priorities = [...new Set(items.map((i) => i.priority))].sort((a, b) => b - a);
  const ordered: PendingDelivery[] = [];
  for (const priority of priorities) {
    const groups = new Map<string, PendingDelivery[]>();
    for (const item of items.filter((i) => i.priority === priority).sort(byAge)) {
      if (!groups.has(item.sourceKey)) groups.set(item.sourceKey, []);
      groups.get(item.sourceKey)!.push(item);
    }
    const queues = [...groups.values()]; // Map keeps insertion order: the source with the oldest item goes first
    for (let round = 0; queues.some((q) => round < q.length); round++) {
      for (const queue of queues) if (round < queue.length) ordered.push(queue[round]);
    }
  }
  return ordered;
}

function placeOnChannel(items: PendingDelivery[], schedule: ChannelSchedule, now: number, until: number, result: PlacementResult) {
  const { policy, occupied } = schedule;
  const positions = usablePositions(policy, occupied, now, until);
  const count = Math.min(items.length, positions.length);
  items.forEach((item, i) => {
    // Evenly spread: the i-th item of `count` takes the usable position i * (positions / count).
    const target = i < count ? positions[Math.floor((i * positions.length) / count)] : null;
    const answer = target === null ? findSlot(policy, occupied, until, until) : findSlot(policy, occupied, target, until);
    if (answer.at === null) {
      result.unplaced.push({ id: item.id, channelId: item.channelId, hits: answer.hits, capacity: positions.length });
      return;
    }
    occupied.add(answer.at);
    result.placed.push({ id: item.id, channelId: item.channelId, at: answer.at, hits: answer.hits, slot: i + 1, slots: positions.length });
  });
}

/**
 * The free slots of [from, until) that automatic placement may use: each day's free slots, thinned to what the
 * day's caps leave, less the share reserved for hand-scheduled posts, spread evenly within the day.
 */
export function usablePositions(policy: CompiledPolicy, occupied: Occupancy, from: number, until: number): number[] {
  const step = Math.max(policy.minIntervalMs, policy.queue?.spacingMs ?? 0, SLOT_GRANULARITY_MS);
  const slotsByDay = new Map<string, number[]>();
  for (let t = from; t < until;) {
    const { at } = findSlot(policy, occupied, t, until);
    if (at === null) break;
    const day = policy.calendar.dayAt(at);
    if (!slotsByDay.has(day.key)) slotsByDay.set(day.key, []);
    slotsByDay.get(day.key)!.push(at);
    // Each day's walk starts at its own start: a grid carried over midnight could step past a sliver of the last
    // day that is shorter than the step (findSlot still keeps the real spacing when a position is taken).
    t = Math.min(at + step, day.end);
  }
  const positions: number[] = [];
  for (const [key, slots] of slotsByDay) {
    const day = policy.calendar.dayOf(key);
    let capacity = slots.length;
    if (policy.dailyCap !== null) capacity = Math.min(capacity, policy.dailyCap - occupied.countIn(day.start, day.end));
    for (const cap of policy.rollingCaps) {
      if (cap.windowMs >= 24 * 3_600_000) capacity = Math.min(capacity, cap.max - occupied.countIn(day.start - cap.windowMs + (day.end - day.start), day.end));
    }
    const usable = Math.max(0, capacity - Math.floor(capacity * policy.reservedShare));
    for (let j = 0; j < usable; j++) positions.push(slots[Math.floor((j * slots.length) / usable)]);
  }
  return positions;
}

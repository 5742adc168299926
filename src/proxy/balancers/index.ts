/**
 * The balancer registry: name -> factory, filled by `setupBalancers()` from the
 * composition root (never by import side effects).
 */
import type { BalancerFactory } from './picker.js';
import { random } from './random.js';
import { roundRobin } from './round-robin.js';

export type { BalancerFactory, Picker } from './picker.js';

const balancers = new Map<string, BalancerFactory>();

export function registerBalancer(name: string, factory: BalancerFactory): void {
  balancers.set(name, factory);
}

export function getBalancer(name: string): BalancerFactory | undefined {
  return balancers.get(name);
}

export function isBalancerRegistered(name: string): boolean {
  return balancers.has(name);
}

export function setupBalancers(): void {
  registerBalancer('round_robin', roundRobin);
  registerBalancer('random', random);
}

import type { LimitPlan } from './plan.js';

/** A request's hold on the counters (budget grant, slots, rate windows), settled when it ends. */
export interface Admission {
  readonly plan: LimitPlan;
  readonly grantedMicros: number;
}

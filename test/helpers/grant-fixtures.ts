// Grant test data shared by the admin API tests (grant-routes.test.ts) and the expiry sweep's (grant-expiry.test.ts).

const HOUR = 3_600_000;

/** Provider "sim" and its model "big", the model the grants name. */
export const SIM_BIG_MODEL_YAML = `apiVersion: gantry/v1alpha1
kind: Provider
metadata: {name: sim}
spec: {type: simulator}
---
apiVersion: gantry/v1alpha1
kind: Model
metadata: {name: big}
spec: {provider: sim, pricing: {inputPer1M: "1", outputPer1M: "2"}}
`;

/** A Grant for team research (default: invoke_model on "big", expiring in 4 hours from now). */
export function grantDoc(name: string, over: { expiresAt?: number | string; approver?: string; action?: string; resource?: string; team?: string; reason?: string } = {}): string {
  const expires = over.expiresAt ?? Date.now() + 4 * HOUR;
  return `apiVersion: gantry/v1alpha1
kind: Grant
metadata: {name: ${name}}
spec:
  principal: {team: ${over.team ?? 'research'}}
  action: ${over.action ?? 'invoke_model'}
  resource: ${over.resource ?? '{model: big}'}
  reason: ${over.reason ?? 'incident 42 needs the big model'}
  expiresAt: "${typeof expires === 'string' ? expires : new Date(expires).toISOString()}"
${over.approver ? `  approver: ${over.approver}\n` : ''}`;
}

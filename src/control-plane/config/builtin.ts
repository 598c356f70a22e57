/**
 * The resources applied (once, into an empty store) when no gantry.yaml exists: the embedded simulator with demo prices, so a new
 * user sees real metering (non-zero costs) from the first request.
 */
export const BUILTIN_CONFIG_YAML = `
apiVersion: gantry/v1alpha1
kind: Provider
metadata: {name: simulator}
spec: {type: simulator}
---
apiVersion: gantry/v1alpha1
kind: Model
metadata: {name: sim-small}
spec:
  provider: simulator
  description: Simulated small model (fast, cheap).
  pricing: {inputPer1M: "0.15", cachedInputPer1M: "0.075", outputPer1M: "0.60"}
  limits: {maxOutputTokens: 4096}
---
apiVersion: gantry/v1alpha1
kind: Model
metadata: {name: sim-large}
spec:
  provider: simulator
  description: Simulated flagship model (slower, pricier).
  pricing: {inputPer1M: "2.50", cachedInputPer1M: "1.25", outputPer1M: "10.00"}
  limits: {maxOutputTokens: 8192}
---
apiVersion: gantry/v1alpha1
kind: Model
metadata: {name: sim-embed}
spec:
  type: embedding
  provider: simulator
  description: Simulated embedding model (character n-gram feature hashing).
  pricing: {inputPer1M: "0.02"}
`;

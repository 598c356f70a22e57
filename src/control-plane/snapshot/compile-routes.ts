import type { CompiledModel, CompiledRoute } from '../../data-plane/snapshot.js';
import type { StoredResource } from '../../storage/ports/resource-store.js';

/**
 * Compiles Route resources (CEL rules parsed once here, never per request). A route whose targets
 * do not all compile is left out (its requests get GW_MODEL_NOT_FOUND) rather than failing the snapshot.
 * STUB: filled in by the Route work.
 */
export function compileRoutes(_routes: Iterable<StoredResource>, _models: ReadonlyMap<string, CompiledModel>): Map<string, CompiledRoute> {
  return new Map();
}

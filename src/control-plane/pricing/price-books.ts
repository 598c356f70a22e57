import type { StoredResource } from '../../storage/ports/resource-store.js';
import type { PriceBookSpec, PriceEntry } from '../resources/kinds/price-book.js';

export interface PriceBookMatch {
  readonly book: string;
  /** `pricebook:<name>@<spec.version ?? generation>`. */
  readonly version: string;
  readonly entry: PriceEntry;
}

export interface PriceBookIndex {
  /**
   * The entry of the highest-priority book (tie: the name that sorts first) that prices the model,
   * by its Model name or, failing that within the same book, by its upstream model id. An entry
   * without outputPer1M prices embedding models only: a chat model is never billed $0 for output.
   */
  find(modelName: string, upstreamModel: string, type: 'chat' | 'embedding'): PriceBookMatch | undefined;
}

interface IndexedBook {
  readonly name: string;
  readonly version: string;
  readonly priority: number;
  readonly entries: ReadonlyMap<string, PriceEntry>;
}

function indexBooks(rows: readonly StoredResource[]): PriceBookIndex {
  const books: IndexedBook[] = rows.map((r) => {
    const spec = r.spec as PriceBookSpec;
    return {
      name: r.name,
      version: `pricebook:${r.name}@${spec.version ?? r.generation}`,
      priority: spec.priority ?? 0,
      entries: new Map(spec.prices.map((e) => [e.model, e])),
    };
  });
  books.sort((a, b) => b.priority - a.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    find(modelName, upstreamModel, type) {
      for (const book of books) {
        for (const key of modelName === upstreamModel ? [modelName] : [modelName, upstreamModel]) {
          const entry = book.entries.get(key);
          if (entry && (type === 'embedding' || entry.outputPer1M !== undefined)) return { book: book.name, version: book.version, entry };
        }
      }
      return undefined;
    },
  };
}

/**
 * Builds the price-book index, again only when a book changed (books hold up to 5,000 entries and
 * the snapshot is recompiled on every change, key revocations included).
 */
export function createPriceBookIndexer() {
  let signature: string | undefined;
  let index: PriceBookIndex = indexBooks([]);
  return function priceBooks(rows: Iterable<StoredResource>): PriceBookIndex {
    const list = [...rows];
    const next = list
      .map((r) => `${r.name}@${r.uid}:${r.generation}`)
      .sort()
      .join(',');
    if (next !== signature) {
      index = indexBooks(list);
      signature = next;
    }
    return index;
  };
}

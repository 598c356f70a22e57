import { describeDriftStoreContract } from '../contract/drift-store.contract.js';
import { createMemoryDriftStore } from './drift-store.js';

describeDriftStoreContract('memory', createMemoryDriftStore);

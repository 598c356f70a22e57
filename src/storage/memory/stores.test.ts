import { describeLedgerStoreContract } from '../contract/ledger-store.contract.js';
import { describeResponseStoreContract } from '../contract/response-store.contract.js';
import { createMemoryLedgerStore } from './ledger-store.js';
import { createMemoryResponseStore } from './response-store.js';

describeLedgerStoreContract('memory', createMemoryLedgerStore);
describeResponseStoreContract('memory', createMemoryResponseStore);

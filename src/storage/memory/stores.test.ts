import { describeKeyStoreContract } from '../contract/key-store.contract.js';
import { describeLedgerStoreContract } from '../contract/ledger-store.contract.js';
import { describeResponseStoreContract } from '../contract/response-store.contract.js';
import { createMemoryKeyStore } from './key-store.js';
import { createMemoryLedgerStore } from './ledger-store.js';
import { createMemoryResponseStore } from './response-store.js';

describeLedgerStoreContract('memory', createMemoryLedgerStore);
describeKeyStoreContract('memory', createMemoryKeyStore);
describeResponseStoreContract('memory', createMemoryResponseStore);

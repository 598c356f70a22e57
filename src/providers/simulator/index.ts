export { SIM_MODELS, type SimModelProfile } from './catalogue.js';
export { createSimulatorProvider, type SimulatorOptions } from './provider.js';
export { type SimulatorServer, type SimulatorServerOptions, startSimulatorServer } from './server.js';

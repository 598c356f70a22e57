export { createOpenAiCompatibleProvider, type OpenAiCompatibleOptions } from './provider.js';

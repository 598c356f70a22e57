export { type AnthropicOptions, createAnthropicProvider, DEFAULT_ANTHROPIC_BASE_URL, DEFAULT_ANTHROPIC_VERSION } from './provider.js';

import { it } from 'vitest';
import { parsePolicyResource } from './cedar-parse.js';
it('x', () => {
const text = Array.from({length: 12}, (_, i) => `forbid(principal, action, resource) when { context.hour == ${i} };`).join('\n');
const r = parsePolicyResource('p', text);
for (const p of r.policies) console.log(p.id, p.text);
});

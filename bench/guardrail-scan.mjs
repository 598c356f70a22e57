// Micro-benchmark of the guardrail detectors: µs per KB of scanned text for a typical support prompt,
// per detector family and all together, whole-text and streaming. `npm run build` first; numbers are
// reported, never asserted.
import { createStreamRedactor } from '../dist/guardrails/redact.js';
import { createScanner } from '../dist/guardrails/scan.js';

const PROMPT = [
  'Hi team, a customer wrote in about their last invoice and the failed card payment on 2026-11-30.',
  'They say the order 4000-1234-5678-9010 was charged twice; order ids look like card numbers but fail Luhn.',
  'Please check the logs from build 1.24.3 and the service at 10.0.4.17, then reply to the customer.',
  'Summarise what went wrong, list the steps you would take, and draft a polite answer in English.',
  'Context from the ticket: the customer uses the web app on Chrome, the payment provider returned a',
  'timeout after 30 seconds, and our retry logic fired once more. They would like a refund of one charge.',
  'Keep it short and do not promise a date. Thanks! Our internal reference is CASE-88231 for this one.',
  'Previous messages in the thread mention the account manager and the renewal in March next year.',
].join('\n');
const kb = Buffer.byteLength(PROMPT) / 1024;
const families = {
  'email only': ['pii.email'],
  'all PII': ['pii.email', 'pii.phone', 'pii.credit_card', 'pii.iban', 'pii.us_ssn', 'pii.ip_address'],
  'all secrets': ['secret.aws_key', 'secret.gcp_key', 'secret.github_token', 'secret.slack_token', 'secret.private_key', 'secret.bearer_token', 'secret.jwt', 'secret.high_entropy'],
  injection: ['injection'],
};
families.everything = [...families['all PII'], ...families['all secrets'], 'injection', 'keyword'];
const results = {};
for (const [label, rules] of Object.entries(families)) {
  const scan = createScanner({ rules: new Set(rules), keywords: ['project-nightingale', 'acquisition', 'layoffs', 'codename'], injectionThreshold: 0.7 });
  for (let i = 0; i < 2_000; i++) scan(PROMPT);
  const n = 20_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) scan(PROMPT);
  results[label] = ((performance.now() - t0) * 1000) / n / kb;
}
const all = createScanner({ rules: new Set(families.everything), keywords: ['project-nightingale'], injectionThreshold: 0.7 });
const chunks = PROMPT.match(/[\s\S]{1,20}/g);
const streams = 2_000;
const t0 = performance.now();
for (let i = 0; i < streams; i++) {
  const r = createStreamRedactor(all);
  for (const c of chunks) r.push(c);
  r.end();
}
results['stream redactor, 20-char chunks, everything'] = ((performance.now() - t0) * 1000) / streams / kb;
for (const [label, us] of Object.entries(results)) console.log(`guardrails ${label}: ${us.toFixed(1)} µs per KB`);

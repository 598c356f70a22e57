import type { RequestFeatures } from '../snapshot.js';

/**
 * The built-in complexity score in 0..1: how likely a request needs the flagship rather than a
 * cheap model. Additive signals, clamped; a Route's `complexity.threshold` (default 0.5) splits, so
 * one strong signal (reasoning words, code, an agent with many tools) is enough on its own:
 *
 *   reasoning words    first +0.5, each further one +0.1, at most +0.7 ("prove", "step by step",
 *                      "analy…", "design", "optimi…", "debug", "architecture", "trade-off", "derive",
 *                      "explain why", "compare", "how would you", "diagnose", "root cause", "figure out", …)
 *   code in the prompt +0.4
 *   a coding task      +0.5 ("write/implement/build … function, class, script, parser, tests…"), else
 *                      a programming language named +0.3
 *   tools              any +0.05; ≥3 tools (an agent choosing among them) +0.3
 *   prompt length      ≥300 tokens +0.05, ≥800 +0.15, ≥2000 +0.25, ≥6000 +0.35
 *   a detailed ask     last user message ≥150 characters +0.1, ≥300 +0.2
 *   several quantities ≥4 numbers in the last user message +0.15 (multi-step arithmetic)
 *   several questions  ≥2 question marks +0.1
 *   conversation       ≥2 user turns +0.05, ≥3 +0.15
 *   images             +0.1
 *   max_tokens         ≥1500 +0.2 (a long answer was asked for); 1..50 −0.2 (a label or a word)
 *   simple intents     −0.2 (translate, fix spelling, synonyms, classify, convert, a greeting or thanks)
 *   declared task      reasoning, code, analysis, math, planning +0.5; chat, faq, classification,
 *                      extraction, translation, summary, rewrite −0.3
 *
 * The weights were set with test/fixtures/routing/prompts.jsonl in view, so its accuracy
 * (`npm run routing:eval`, docs/routing.md) is a regression check, not an unbiased benchmark.
 */
export function complexityScore(f: Omit<RequestFeatures, 'score'>): number {
  const ask = f.lastUser;
  let s = 0;
  const hits = REASONING.reduce((n, re) => n + (re.test(ask) ? 1 : 0), 0);
  if (hits > 0) s += Math.min(0.7, 0.5 + 0.1 * (hits - 1));
  if (f.code) s += 0.4;
  if (CODING_TASK.test(ask)) s += 0.5;
  else if (LANGUAGE.test(ask)) s += 0.3;
  if (f.toolCount >= 3) s += 0.3;
  else if (f.tools) s += 0.05;
  if (f.promptTokens >= 6000) s += 0.35;
  else if (f.promptTokens >= 2000) s += 0.25;
  else if (f.promptTokens >= 800) s += 0.15;
  else if (f.promptTokens >= 300) s += 0.05;
  if (ask.length >= 300) s += 0.2;
  else if (ask.length >= 150) s += 0.1;
  if ((ask.match(NUMBER) ?? []).length >= 4) s += 0.15;
  if ((ask.match(/\?/g) ?? []).length >= 2) s += 0.1;
  if (f.turns >= 3) s += 0.15;
  else if (f.turns >= 2) s += 0.05;
  if (f.images) s += 0.1;
  if (f.maxTokens >= 1500) s += 0.2;
  else if (f.maxTokens > 0 && f.maxTokens <= 50) s -= 0.2;
  if (SIMPLE.some((re) => re.test(ask))) s -= 0.2;
  if (HARD_TASKS.has(f.task)) s += 0.5;
  else if (EASY_TASKS.has(f.task)) s -= 0.3;
  return Math.round(Math.min(1, Math.max(0, s)) * 100) / 100;
}

/** Words people use when they want reasoning, not recall (matched in the lower-cased last user message). */
const REASONING = [
  /\bprove\b|\bproof\b|\brigorous/,
  /step[- ]by[- ]step/,
  /\banaly[sz]/,
  /\bdesign\b/,
  /\boptimi[sz]/,
  /\bdebug/,
  /\barchitect/,
  /trade[- ]?offs?\b/,
  /\bderiv(e|ation)\b/,
  /\bexplain why\b|\bwhy (does|do|is|are|would)\b/,
  /\bcompare\b|\bcomparison\b/,
  /\bevaluate\b/,
  /\brefactor/,
  /\bdiagnos/,
  /\binvestigate\b|\btroubleshoot|\bfigure out\b|\broot cause|\btrack (it|this|them) down\b/,
  /\balgorithm/,
  /\bstrateg(y|ies)\b/,
  /\bhow (would|should) (you|i|we)\b/,
  /\brisks?\b|\bsignifican(t|ce)\b/,
  /\bessay\b|\brequirements document\b/,
];

/** Asking for code to be written. */
const CODING_TASK = /\b(write|implement|build|create|generate)\b[^.?!]{0,80}\b(function|class|program|script|cli|parser|api|service|module|library|cache|tests?|query)\b/;
const LANGUAGE = /\b(python|java|typescript|javascript|golang|rust|c\+\+|c#|kotlin|swift|php|ruby|scala|sql|bash)\b/;
const NUMBER = /\d+(?:[.,]\d+)*/g;

const SIMPLE = [/^(translate|fix the spelling|convert|define)\b/, /\bsynonyms?\b/, /\bclassify\b/, /^(hi|hello|hey|thanks|thank you)\b/];

const HARD_TASKS = new Set(['reasoning', 'code', 'coding', 'analysis', 'math', 'planning']);
const EASY_TASKS = new Set(['chat', 'faq', 'classification', 'extraction', 'translation', 'summary', 'rewrite']);

import type { Finding } from './types.js';

/**
 * Prompt-injection heuristics: each signal has a weight (how often it means an attack on its own);
 * signals combine like independent evidence, score = 1 - Π(1 - w), so one strong phrase reaches
 * ~0.8 and several weak ones add up without ever exceeding 1. Each signal counts once however often
 * it repeats (repetition is not more evidence). A heuristic, not a classifier: tune the threshold
 * per guardrail, and use `flag` before `block`.
 */
interface Signal {
  readonly name: string;
  readonly weight: number;
  readonly re: RegExp;
}

const TARGET = '(?:instructions?|prompts?|rules|directions|guidelines|directives|context|messages?|commands?|system prompt)';
const SIGNALS: readonly Signal[] = [
  { name: 'ignore_previous', weight: 0.8, re: new RegExp(`\\b(?:ignore|disregard|forget|skip|override|bypass)\\s+(?:all\\s+|any\\s+|the\\s+|your\\s+|of\\s+){0,4}(?:previous|prior|above|earlier|preceding|initial|original|system|existing)\\s+${TARGET}`, 'i') },
  { name: 'new_instructions', weight: 0.5, re: /\b(?:new|updated|real|actual|true)\s+(?:system\s+)?instructions\s*:/i },
  {
    name: 'reveal_prompt',
    weight: 0.6,
    re: /\b(?:reveal|show|print|repeat|output|display|leak|tell me|what (?:is|are))\s+(?:me\s+)?(?:your\s+(?:full\s+|exact\s+|hidden\s+|initial\s+|original\s+)?(?:system\s+prompt|instructions|prompt|rules)|the\s+(?:full\s+|exact\s+)?(?:system|hidden|initial|original)\s+(?:prompt|instructions)|the\s+prompt\s+above)/i,
  },
  { name: 'system_prompt', weight: 0.3, re: /\bsystem\s+prompt\b/i },
  { name: 'you_are_now', weight: 0.4, re: /\byou\s+are\s+(?:now|no\s+longer)\b/i },
  { name: 'from_now_on', weight: 0.25, re: /\bfrom\s+now\s+on\b/i },
  { name: 'developer_mode', weight: 0.55, re: /\b(?:developer|god|sudo|admin|debug)\s+mode\b/i },
  { name: 'jailbreak', weight: 0.5, re: /\bjail\s?break(?:ing|s)?\b/i },
  { name: 'dan', weight: 0.45, re: /\bDAN\b|\bdo\s+anything\s+now\b/ },
  { name: 'roleplay_override', weight: 0.45, re: /\b(?:pretend|act|behave|role-?play)\s+(?:(?:that\s+)?you\s+are|to\s+be|as)\s+(?:an?\s+)?(?:unrestricted|unfiltered|uncensored|evil|rogue|different|another)\b/i },
  { name: 'no_restrictions', weight: 0.4, re: /\b(?:no|without|free\s+of|ignore)\s+(?:any\s+)?(?:restrictions|limitations|filters|censorship|content\s+polic(?:y|ies)|ethical\s+guidelines|safety\s+guidelines)\b/i },
  { name: 'disable_safety', weight: 0.55, re: /\b(?:disable|turn\s+off|deactivate|remove)\s+(?:all\s+|your\s+)?(?:safety|filters?|guardrails?|moderation|content\s+filter)/i },
  { name: 'hide_from_user', weight: 0.6, re: /\b(?:do\s+not|don'?t|never|without)\s+(?:tell(?:ing)?|inform(?:ing)?|mention(?:ing)?|reveal(?:ing)?|let(?:ting)?)\s+(?:this\s+to\s+)?(?:the\s+)?user\b/i },
  { name: 'chat_template_tokens', weight: 0.55, re: /<\|(?:im_start|im_end|system|endoftext)\|>|\[\/?INST\]|<<SYS>>|^\s*#{2,3}\s*(?:system|instruction)\s*:?\s*$/im },
  { name: 'markdown_comment', weight: 0.3, re: /^\s*\[\/\/\]:\s*#\s*\(/m },
  { name: 'hidden_characters', weight: 0.4, re: /[\u200B-\u200D\u2060-\u2064\u202A-\u202E\u2066-\u2069]|[\u{E0000}-\u{E007F}]/u },
  { name: 'decode_and_follow', weight: 0.35, re: /\b(?:decode|base64|rot13)\b[^\n]{0,60}\b(?:follow|execute|obey|run|do)\b/i },
];

/** Base64 runs worth decoding to look for a smuggled instruction. */
const BASE64_RUN = /(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{24,4096}={0,2}(?![A-Za-z0-9+/=])/g;
const MAX_DECODES = 16;
const HTML_COMMENT_WEIGHT = 0.35;
const COMMENT_WORDS = /\b(?:ignore|instructions?|assistant|system|prompt|you\s+must|AI|model)\b/i;
const SMUGGLED_WEIGHT = 0.7;

export interface InjectionScore {
  readonly score: number;
  /** Names of the signals seen (evidence, never the text). */
  readonly signals: readonly string[];
  /** Span of the strongest signal. */
  readonly start: number;
  readonly end: number;
}

export function injectionScore(text: string): InjectionScore {
  let keep = 1;
  let best: { weight: number; start: number; end: number } | undefined;
  const signals: string[] = [];
  const note = (name: string, weight: number, start: number, end: number) => {
    signals.push(name);
    keep *= 1 - weight;
    if (!best || weight > best.weight) best = { weight, start, end };
  };
  for (const s of SIGNALS) {
    const m = s.re.exec(text);
    if (m) note(s.name, s.weight, m.index, m.index + m[0].length);
  }
  const comment = instructionInHtmlComment(text);
  if (comment) note('html_comment', HTML_COMMENT_WEIGHT, comment.start, comment.end);
  const smuggled = smuggledInBase64(text);
  if (smuggled) note('base64_smuggling', SMUGGLED_WEIGHT, smuggled.start, smuggled.end);
  const score = Math.min(1, Math.round((1 - keep) * 1000) / 1000);
  return { score, signals, start: best?.start ?? 0, end: best?.end ?? 0 };
}

/** One `injection` finding when the score reaches the threshold. */
export function detectInjection(text: string, threshold: number): Finding[] {
  const r = injectionScore(text);
  if (r.signals.length === 0 || r.score < threshold) return [];
  return [{ rule: 'injection', start: r.start, end: r.end, score: r.score }];
}

function smuggledInBase64(text: string): { start: number; end: number } | undefined {
  let decodes = 0;
  for (const m of text.matchAll(BASE64_RUN)) {
    if (decodes++ >= MAX_DECODES) return undefined;
    const decoded = Buffer.from(m[0], 'base64').toString('latin1');
    // Only printable text can be an instruction; binary blobs (images, keys) are skipped.
    if (!/^[\x20-\x7e\r\n\t]+$/.test(decoded)) continue;
    if (SIGNALS.some((s) => s.weight >= 0.5 && s.re.test(decoded))) return { start: m.index, end: m.index + m[0].length };
  }
  return undefined;
}

/** An HTML comment (invisible when rendered) that talks to the model. Paired by indexOf: linear. */
function instructionInHtmlComment(text: string): { start: number; end: number } | undefined {
  let from = 0;
  for (;;) {
    const open = text.indexOf('<!--', from);
    if (open < 0) return undefined;
    const close = text.indexOf('-->', open + 4);
    if (close < 0) return undefined;
    if (COMMENT_WORDS.test(text.slice(open + 4, close))) return { start: open, end: close + 3 };
    from = close + 3;
  }
}

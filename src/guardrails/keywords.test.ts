import { describe, expect, it } from 'vitest';
import { createKeywordDetector } from './keywords.js';

describe('denied keywords', () => {
  const detect = createKeywordDetector(['Project Aurora', 'layoffs', 'c++', 'project']);
  const words = (t: string) => detect(t).map((f) => t.slice(f.start, f.end));

  it('matches case-insensitively on whole words, longest first, any whitespace inside', () => {
    expect(words('Status of PROJECT\n aurora and the Layoffs?')).toEqual(['PROJECT\n aurora', 'Layoffs']);
    expect(words('a project plan')).toEqual(['project']);
    expect(words('I write C++ daily')).toEqual(['C++']);
  });

  it('does not match inside other words (Unicode letters count)', () => {
    expect(words('projector, layoffsé, subproject')).toEqual([]);
  });

  it('an empty list finds nothing', () => {
    expect(createKeywordDetector(['  '])('anything')).toEqual([]);
  });
});

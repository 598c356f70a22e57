/**
 * JUnit XML for `gantry policy test --junit`: the format every CI system shows as a test report.
 * One testsuite per test file (plus one for policy validation), one testcase per case.
 */

export interface JunitCase {
  readonly name: string;
  /** Undefined when the case passed. */
  readonly failure?: { readonly message: string; readonly detail: string };
}

export interface JunitSuite {
  readonly name: string;
  readonly cases: readonly JunitCase[];
}

const escapeXml = (s: string) =>
  s
    // Characters XML 1.0 cannot hold at all (control characters) are dropped.
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

export function junitXml(suites: readonly JunitSuite[]): string {
  const count = (s: JunitSuite) => s.cases.filter((c) => c.failure).length;
  const tests = suites.reduce((n, s) => n + s.cases.length, 0);
  const failures = suites.reduce((n, s) => n + count(s), 0);
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="gantry policy test" tests="${tests}" failures="${failures}" errors="0">`];
  for (const suite of suites) {
    lines.push(`  <testsuite name="${escapeXml(suite.name)}" tests="${suite.cases.length}" failures="${count(suite)}" errors="0" skipped="0">`);
    for (const c of suite.cases) {
      const open = `    <testcase classname="${escapeXml(suite.name)}" name="${escapeXml(c.name)}"`;
      if (!c.failure) {
        lines.push(`${open}/>`);
        continue;
      }
      lines.push(`${open}>`, `      <failure message="${escapeXml(c.failure.message)}" type="PolicyTestFailure">${escapeXml(c.failure.detail)}</failure>`, '    </testcase>');
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}

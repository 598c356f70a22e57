import type { SsoSession } from './types.js';

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** Shell-quotes a value for the copy-paste command (URLs and tokens are normally safe as they are). */
function shellArg(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The page the browser flow ends on: the user token, shown once, with the command that stores it. */
export function renderTokenPage(session: SsoSession, serverUrl: string): string {
  const command = `gantry login --token ${shellArg(session.token)} --server ${shellArg(serverUrl)}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Gantry: logged in</title>
<style>body{font-family:system-ui,sans-serif;max-width:48rem;margin:3rem auto;padding:0 1rem;line-height:1.5}
pre{background:#f4f4f5;padding:1rem;overflow-x:auto;white-space:pre-wrap;word-break:break-all}</style>
</head>
<body>
<h1>You are logged in to Gantry as ${escapeHtml(session.user)}</h1>
<p>Your user token (valid until ${escapeHtml(session.expiresAt)}) is shown only on this page. To use it from the CLI, run:</p>
<pre id="command">${escapeHtml(command)}</pre>
<p>Token only:</p>
<pre id="token">${escapeHtml(session.token)}</pre>
<p>Keep it secret: it acts as you. Close this tab when you are done.</p>
</body>
</html>
`;
}

/**
 * HTML built only through the `html` tag: every interpolated value is escaped unless it is
 * itself the result of `html` (already safe). Nothing a merchant or payer sent can become markup.
 */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export type HtmlValue = SafeHtml | string | number | null | undefined | readonly HtmlValue[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c]);
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(render).join('');
  return escapeHtml(String(value as string | number));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0];
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1];
  });
  return new SafeHtml(out);
}

/** Headers for every sandbox page: no script runs, forms post only back to the sandbox, nothing frames it. */
export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
} as const;

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1c2330;background:#f6f7f9}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
.card{background:#fff;border:1px solid #d8dde6;border-radius:8px;padding:1.25rem 1.5rem;margin:1rem 0}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1rem;margin:0}dt{color:#5a6475}dd{margin:0;font-weight:600;word-break:break-all}
.amount{font-size:1.6rem}
label{display:block;margin:1rem 0 .3rem;color:#5a6475}
input{font-size:1.1rem;padding:.4rem .6rem;border:1px solid #b8c0cc;border-radius:6px;width:12rem}
button{font-size:1rem;padding:.55rem 1.3rem;border-radius:6px;border:1px solid transparent;cursor:pointer;margin:1rem .5rem 0 0}
button.pay{background:#1a7f37;color:#fff}button.fail{background:#fff;color:#b42318;border-color:#b42318}
.notice{padding:.6rem .9rem;border-radius:6px;background:#fff4e5;border:1px solid #f5c16c}
.error{padding:.6rem .9rem;border-radius:6px;background:#fdecea;border:1px solid #f1a7a0}
.ok{padding:.6rem .9rem;border-radius:6px;background:#e9f7ef;border:1px solid #9bd3ae}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border:1px solid #d8dde6;padding:.4rem .6rem;text-align:left;vertical-align:top}
td form{display:inline}td button{margin:0 .3rem 0 0;padding:.3rem .8rem}
footer{margin-top:2rem;color:#5a6475;font-size:.85rem}
`;

export function page(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Sandbox payment platform</title>
<style>${new SafeHtml(STYLE)}</style>
</head>
<body>
${body}
<footer>Sandbox payment platform — test mode, no real money moves.</footer>
</body>
</html>
`.text;
}

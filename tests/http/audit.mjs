// Run graphql-http's GraphQL-over-HTTP audit suite against a live server.
//
//   node tests/http/audit.mjs http://127.0.0.1:PORT/graphql
//
// Prints one JSON object on stdout: {"ok": n, "notice": n, "warn": n, "error": n, "results": [...]}
// where each result is {id, name, status, reason?, status_code?, body?}. Exit 0 only when the
// audit reports no warning and no error; tests/http/test_graphql_http_audit.py reads the JSON.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs URL');
  process.exit(2);
}

const results = await auditServer({ url });
const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
const out = [];
for (const result of results) {
  counts[result.status] += 1;
  const item = { id: result.id, name: result.name, status: result.status };
  if (result.status !== 'ok') {
    item.reason = result.reason;
    try {
      item.status_code = result.response.status;
      item.body = await result.response.text();
    } catch {
      // the body may already have been read by the audit itself
    }
  }
  out.push(item);
}
process.stdout.write(JSON.stringify({ ...counts, results: out }) + '\n');
process.exit(counts.warn === 0 && counts.error === 0 ? 0 : 1);

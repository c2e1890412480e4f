'use strict';
// The PouchDB peer through the slow field link (issue 17): the same two
// syncs as tests/benches/link.rs, done by PouchDB 9 against pouchdb-server,
// with the client talking to the server through the Rust test proxy
// (outreach_tests::proxy::Link::FIELD). tests/benches/link.rs runs each
// phase as its own `node` process and counts the proxy's round trips and
// bytes around the timed ones; set-up goes to the server directly.
//
//   node link.js seed    <direct-url> <persons> <contacts>
//   node link.js first   <proxy-url>  <local-dir>             (timed)
//   node link.js prepare <proxy-url>  <direct-url> <local-dir> <up> <down> <from>
//   node link.js morning <proxy-url>  <local-dir> <up> <down> (timed)
//
// NODE_PATH names the peer harness's node_modules and PEER_DOCS its docs.js
// (the visit logs of ../shared/bench/pouchdb, ~1.35 KB each). Prints one
// JSON line: {"ms": ..., ...}. All data is fictitious.

const PouchDB = require('pouchdb');
const { makeDocs } = require(process.env.PEER_DOCS);

const DB = 'caseload';
const [phase, ...args] = process.argv.slice(2);

function check(cond, msg) { if (!cond) throw new Error('check failed: ' + msg); }

async function timed(fn) {
  const t0 = process.hrtime.bigint();
  const result = await fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, result };
}

// A person as a document of its own, as a caseload would hold it.
const person = (i) => ({
  _id: `person-${String(i).padStart(4, '0')}`,
  type: 'person',
  alias: `架空 対象者${String(i).padStart(3, '0')}`,
  area: '羽村市栄町',
  stage: 'engaging',
});

async function main() {
  if (phase === 'seed') {
    const [url, persons, contacts] = args;
    const db = new PouchDB(`${url}/${DB}`);
    const ps = Array.from({ length: Number(persons) }, (_, i) => person(i));
    await db.bulkDocs(ps);
    for (let i = 0; i < Number(contacts); i += 1000) {
      const r = await db.bulkDocs(makeDocs(i, Math.min(1000, Number(contacts) - i)));
      check(r.every((x) => x.ok), 'seed bulkDocs');
    }
    const info = await db.info();
    console.log(JSON.stringify({ docs: info.doc_count }));
  } else if (phase === 'first') {
    const [proxy, dir] = args;
    const local = new PouchDB(dir);
    const t = await timed(() => local.replicate.from(`${proxy}/${DB}`));
    check(t.result.ok, 'first pull ok');
    console.log(JSON.stringify({ ms: t.ms, docs: t.result.docs_written }));
  } else if (phase === 'prepare') {
    // One untimed sync through the proxy writes the checkpoints of both
    // directions (PouchDB keys them by the remote's URL), then the day's
    // new work: `up` on the tablet, `down` on the server from elsewhere.
    const [proxy, direct, dir, up, down, from] = args;
    const local = new PouchDB(dir);
    const warm = await PouchDB.sync(local, `${proxy}/${DB}`);
    check(warm.pull.docs_written === 0, `already pulled: ${warm.pull.docs_written}`);
    const n = Number(from);
    await local.bulkDocs(makeDocs(n, Number(up)));
    await new PouchDB(`${direct}/${DB}`).bulkDocs(makeDocs(n + 1000, Number(down)));
    console.log(JSON.stringify({}));
  } else if (phase === 'morning') {
    const [proxy, dir, up, down] = args;
    const local = new PouchDB(dir);
    const t = await timed(() => PouchDB.sync(local, `${proxy}/${DB}`));
    check(t.result.push.docs_written === Number(up), `pushed ${t.result.push.docs_written}`);
    check(t.result.pull.docs_written === Number(down), `pulled ${t.result.pull.docs_written}`);
    console.log(JSON.stringify({ ms: t.ms, up: t.result.push.docs_written, down: t.result.pull.docs_written }));
  } else {
    throw new Error(`unknown phase ${phase}`);
  }
}

main().catch((e) => { console.error(e && e.stack || String(e)); process.exit(1); });

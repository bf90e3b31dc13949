#!/usr/bin/env node
// icebird_read.mjs - check that a third-party Iceberg reader (icebird, npm) can
// read a table directory written by Strata (or any other engine).
//
// Usage:
//   node tests/interop/icebird_read.mjs --table-dir /abs/table [--expect-count N]
//        [--expect-ids-file FILE] [--id-column id] [--metadata-file vN.metadata.json]
//        [--map-prefix FROM=TO ...] [--port P] [--verbose]
//
// How it works: the table directory is served read-only by a loopback HTTP
// server (GET/HEAD, Range -> 206) and icebergRead({ tableUrl }) is pointed at
// it. icebird reads <tableUrl>/metadata/version-hint.text, then
// <tableUrl>/metadata/v<N>.metadata.json, and then fetches the manifest-list,
// manifest_path and data_file.file_path strings EXACTLY as stored in the table
// (only s3://, s3a:// are rewritten to https://<bucket>.s3.amazonaws.com/...).
// It never rebases them on tableUrl and has no option for a custom fetch or a
// path resolver: its only I/O is the global fetch() (icebird src/fetch.js,
// and hyparquet's asyncBufferFromUrl, which falls back to globalThis.fetch).
//
// So this harness wraps globalThis.fetch (it does not touch icebird's code):
//  * always: every URL icebird requests is logged, and anything outside the
//    loopback server is refused with a clear message (no network access);
//  * only with --map-prefix FROM=TO: URLs starting with FROM (or its
//    https-translated s3 form) are redirected to TO + rest. TO is an absolute
//    URL or a path relative to the served table dir ("." = table root).
// Without --map-prefix the run is strict: success means icebird resolved every
// location by itself. With it, the run only proves the file contents are readable.
//
// Output (stdout): {"rows": N, "ids_checked": K|null, "columns": [...], ...}.
// Exit 1 on a read failure or a failed --expect-count / --expect-ids-file check.

import fs from 'node:fs'
import path from 'node:path'
import { icebergRead } from 'icebird'
import { guardFetch, parseMappings, serveDirectory } from './loopback.mjs'

function die(msg) {
  process.stderr.write(`icebird_read: FAIL: ${msg}\n`)
  process.exit(1)
}

// ---- arguments ----
const args = { mapPrefix: [], idColumn: 'id', port: 0, verbose: false }
const argv = process.argv.slice(2)
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]
  const val = () => (i + 1 < argv.length ? argv[++i] : die(`${a} needs a value`))
  if (a === '--table-dir') args.tableDir = val()
  else if (a === '--expect-count') args.expectCount = val()
  else if (a === '--expect-ids-file') args.idsFile = val()
  else if (a === '--id-column') args.idColumn = val()
  else if (a === '--metadata-file') args.metadataFile = val()
  else if (a === '--map-prefix') args.mapPrefix.push(val())
  else if (a === '--port') args.port = Number(val()) // fixed port, for tables written with http://127.0.0.1:P locations
  else if (a === '--verbose') args.verbose = true
  else die(`unknown argument ${a}`)
}
if (!args.tableDir) die('--table-dir is required')
const root = path.resolve(args.tableDir)
if (!fs.statSync(root, { throwIfNoEntry: false })?.isDirectory()) die(`not a directory: ${root}`)
if (args.expectCount !== undefined && !/^\d+$/.test(args.expectCount)) die('--expect-count must be an integer')

// ---- read-only static file server with Range support (loopback.mjs) ----
const server = await serveDirectory(root, { port: args.port })
const served = server.served
const tableUrl = server.url

// ---- global fetch guard / optional prefix mapping (see header) ----
let mappings
try {
  mappings = parseMappings(args.mapPrefix, tableUrl)
} catch (err) {
  die(err.message)
}
const { mapped, refused } = guardFetch({
  allowed: [tableUrl],
  mappings,
  verbose: args.verbose,
  refusedHint: 'icebird fetches locations stored in the metadata/manifests verbatim; ' +
    (mappings.length ? 'no --map-prefix matched it.' : 'use --map-prefix FROM=. to redirect them.'),
})

// ---- read ----
let rows
try {
  rows = await icebergRead({ tableUrl, metadataFileName: args.metadataFile })
} catch (err) {
  const bad = served.filter(([, , s]) => s >= 400).map(([m, p, s]) => `${m} ${p} -> ${s}`)
  die(`icebird could not read ${root}: ${err?.message ?? err}` +
    (refused.length ? `\n  refused (not under ${tableUrl}): ${refused.slice(0, 5).join(', ')}` : '') +
    (bad.length ? `\n  server errors: ${bad.slice(0, 5).join(', ')}` : ''))
} finally {
  await server.close()
}

// ---- checks ----
const columns = rows.length ? Object.keys(rows[0]) : []
const problems = []
if (args.expectCount !== undefined && rows.length !== Number(args.expectCount)) {
  problems.push(`row count ${rows.length} != expected ${args.expectCount}`)
}
let idsChecked = null
if (args.idsFile) {
  const want = new Set(fs.readFileSync(args.idsFile, 'utf8').split(/\r?\n/).map(s => s.trim()).filter(Boolean))
  if (rows.length && !columns.includes(args.idColumn)) {
    problems.push(`id column "${args.idColumn}" not in columns ${JSON.stringify(columns)}`)
  } else {
    const got = rows.map(r => String(r[args.idColumn]))
    const gotSet = new Set(got)
    const missing = [...want].filter(v => !gotSet.has(v))
    const extra = [...gotSet].filter(v => !want.has(v))
    if (missing.length) problems.push(`${missing.length} expected ids missing, e.g. ${JSON.stringify(missing.slice(0, 10))}`)
    if (extra.length) problems.push(`${extra.length} unexpected ids, e.g. ${JSON.stringify(extra.slice(0, 10))}`)
    if (gotSet.size !== got.length) problems.push(`${got.length - gotSet.size} duplicate ids`)
    idsChecked = got.length
  }
}

console.log(JSON.stringify({
  rows: rows.length,
  ids_checked: idsChecked,
  columns,
  table_url: tableUrl,
  metadata_file: args.metadataFile ?? 'version-hint',
  mapped_requests: mapped.length, // > 0 means locations were redirected by --map-prefix, not by icebird
  http_statuses: served.reduce((h, [, , st]) => ({ ...h, [st]: (h[st] ?? 0) + 1 }), {}),
}))
if (problems.length) die(problems.join('; '))

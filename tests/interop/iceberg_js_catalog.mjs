#!/usr/bin/env node
// iceberg_js_catalog.mjs - check that a third-party REST catalog client
// (iceberg-js, npm) can browse Strata's Iceberg REST catalog and that the
// table it loads is readable by a third-party reader (icebird, npm).
//
// Usage:
//   node tests/interop/iceberg_js_catalog.mjs --catalog URL --namespace NS --table NAME
//        [--token T] [--warehouse W] [--bucket-dir DIR] [--map-prefix FROM=TO ...]
//        [--expect-count N] [--expect-snapshot-id ID] [--expect-tables A,B,...]
//        [--expect-hidden NAME ...] [--page-size N] [--verbose]
//
//   --catalog URL     the catalog's mount prefix ("http://127.0.0.1:8080/iceberg":
//                     clients request URL/v1/config, URL/v1/namespaces, ...)
//   --token T         sent as "Authorization: Bearer T" on every catalog request
//   --namespace NS    levels of a multi-level namespace separated by '/' ("prod/events")
//   --warehouse W     passed to iceberg-js, which then calls /v1/config?warehouse=W and
//                     uses the advertised overrides.prefix in every path
//   --bucket-dir DIR  serve DIR (the bucket's directory) on a loopback HTTP server
//                     for icebird; a relative --map-prefix TO is resolved against it
//   --map-prefix FROM=TO  locations starting with FROM are read from TO + rest (as
//                     icebird_read.mjs does): e.g. file:///abs/bucket=. with --bucket-dir
//   --expect-count N  icebird must read N rows
//   --expect-snapshot-id ID  the loaded metadata's current-snapshot-id
//   --expect-tables LIST  the namespace's listing, exactly (comma-separated, any order)
//   --expect-hidden NAME  a table the token must not see: absent from the listing,
//                     tableExists false, loadTable 404 NoSuchTableException
//   --page-size N     list with pageToken/pageSize N, following next-page-token
//
// What it checks, in order: GET /v1/config answers (defaults/overrides
// objects); listNamespaces (following pages) holds the namespace's first
// level, and the parent's children hold a multi-level one; namespaceExists;
// listTables holds the table (and matches --expect-tables / --expect-hidden);
// tableExists; loadTableResult gives an absolute metadata-location whose
// file (fetched through --map-prefix) is the returned metadata; icebird
// reads the rows with that metadata (icebergRead({ tableUrl, metadata })).
// Every fetch outside the catalog and the loopback server is refused.
//
// Output (stdout): one JSON line {"namespaces": [...], "tables": [...],
// "table": ..., "snapshot_id": "<exact digits>", "metadata_location": ..., "rows": N, ...}.
// Exit 1 on any failed check.
//
// iceberg-js 1.0.0 declares node >= 22; it runs on Debian's node 20 (npm ci
// only warns EBADENGINE): it needs nothing beyond fetch.

import fs from 'node:fs'
import path from 'node:path'
import { IcebergError, IcebergRestCatalog } from 'iceberg-js'
import { icebergRead } from 'icebird'
import { guardFetch, mapUrl, parseMappings, serveDirectory } from './loopback.mjs'

function die(msg) {
  process.stderr.write(`iceberg_js_catalog: FAIL: ${msg}\n`)
  process.exit(1)
}

// ---- arguments ----
const args = { mapPrefix: [], hidden: [], verbose: false }
const argv = process.argv.slice(2)
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]
  const val = () => (i + 1 < argv.length ? argv[++i] : die(`${a} needs a value`))
  if (a === '--catalog') args.catalog = val()
  else if (a === '--token') args.token = val()
  else if (a === '--namespace') args.namespace = val()
  else if (a === '--table') args.table = val()
  else if (a === '--warehouse') args.warehouse = val()
  else if (a === '--bucket-dir') args.bucketDir = val()
  else if (a === '--map-prefix') args.mapPrefix.push(val())
  else if (a === '--expect-count') args.expectCount = val()
  else if (a === '--expect-snapshot-id') args.expectSnapshotId = val()
  else if (a === '--expect-tables') args.expectTables = val()
  else if (a === '--expect-hidden') args.hidden.push(val())
  else if (a === '--page-size') args.pageSize = Number(val())
  else if (a === '--verbose') args.verbose = true
  else die(`unknown argument ${a}`)
}
for (const k of ['catalog', 'namespace', 'table']) if (!args[k]) die(`--${k} is required`)
if (args.expectCount !== undefined && !/^\d+$/.test(args.expectCount)) die('--expect-count must be an integer')
if (args.expectSnapshotId !== undefined && !/^-?\d+$/.test(args.expectSnapshotId)) die('--expect-snapshot-id must be an integer')
if (args.pageSize !== undefined && !(Number.isInteger(args.pageSize) && args.pageSize >= 1)) die('--page-size must be an integer >= 1')
const catalogUrl = args.catalog.replace(/\/+$/, '')
const levels = args.namespace.split('/')
const nsShown = levels.join('.')

// ---- loopback server over the bucket, fetch guard ----
let server
if (args.bucketDir) {
  const root = path.resolve(args.bucketDir)
  if (!fs.statSync(root, { throwIfNoEntry: false })?.isDirectory()) die(`not a directory: ${root}`)
  server = await serveDirectory(root)
}
let mappings
try {
  mappings = parseMappings(args.mapPrefix, server?.url ?? catalogUrl)
} catch (err) {
  die(err.message)
}
const { mapped, refused } = guardFetch({
  allowed: [catalogUrl, ...(server ? [server.url] : [])],
  mappings,
  verbose: args.verbose,
  refusedHint: 'Locations are fetched as the catalog and metadata give them: use --bucket-dir and --map-prefix FROM=. to serve them.',
})

const problems = []
const check = (ok, msg) => { if (!ok) problems.push(msg) }
const output = {}
try {
  // Snapshot ids are 64-bit: JSON.parse rounds them, so the exact id is read
  // from the raw body of the last table load.
  let lastLoadBody
  const recordingFetch = async (url, init) => {
    const res = await fetch(url, init)
    if ((init?.method ?? 'GET') === 'GET' && /\/tables\/[^/]+$/.test(new URL(url).pathname)) lastLoadBody = await res.clone().text()
    return res
  }
  const catalog = new IcebergRestCatalog({
    baseUrl: catalogUrl,
    warehouse: args.warehouse,
    fetch: recordingFetch,
    auth: args.token !== undefined ? { type: 'bearer', token: args.token } : { type: 'none' },
  })

  // ---- config ----
  const config = await catalog.loadConfig()
  check(config && typeof config.defaults === 'object' && typeof config.overrides === 'object',
    `GET /v1/config: defaults/overrides are not objects: ${JSON.stringify(config)}`)
  output.config_prefix = config?.overrides?.prefix ?? null

  // ---- namespaces ----
  const listAll = async (list, key) => {
    const out = []
    let pageToken = args.pageSize ? '' : undefined
    for (let pages = 0; pages < 10000; pages++) {
      const page = await list({ pageToken, pageSize: args.pageSize })
      out.push(...page[key])
      if (!args.pageSize || !page.nextPageToken) return out
      pageToken = page.nextPageToken
    }
    throw new Error('more than 10000 pages')
  }
  const top = await listAll(o => catalog.listNamespaces(o), 'namespaces')
  output.namespaces = top.map(n => n.namespace.join('.'))
  check(top.some(n => n.namespace.length === 1 && n.namespace[0] === levels[0]),
    `listNamespaces: no ${levels[0]} in ${JSON.stringify(output.namespaces)}`)
  if (levels.length > 1) {
    const parent = { namespace: levels.slice(0, -1) }
    const children = await listAll(o => catalog.listNamespaces({ ...o, parent }), 'namespaces')
    check(children.some(n => n.namespace.join('\x1f') === levels.join('\x1f')),
      `listNamespaces(parent ${parent.namespace.join('.')}): no ${nsShown} in ${JSON.stringify(children.map(n => n.namespace))}`)
  }
  check(await catalog.namespaceExists({ namespace: levels }), `namespaceExists(${nsShown}) is false`)
  const nsMeta = await catalog.loadNamespaceMetadata({ namespace: levels })
  output.namespace_location = nsMeta.properties?.location ?? null

  // ---- tables ----
  const ids = await listAll(o => catalog.listTables({ namespace: levels }, o), 'identifiers')
  const names = ids.map(t => t.name)
  output.tables = names
  for (const t of ids) {
    check(JSON.stringify(t.namespace) === JSON.stringify(levels), `listTables: identifier ${JSON.stringify(t)} is not in ${nsShown}`)
  }
  check(names.includes(args.table), `listTables(${nsShown}): no ${args.table} in ${JSON.stringify(names)}`)
  if (args.expectTables !== undefined) {
    const want = args.expectTables.split(',').filter(Boolean).sort()
    check(JSON.stringify([...names].sort()) === JSON.stringify(want),
      `listTables(${nsShown}) = ${JSON.stringify(names)}, expected ${JSON.stringify(want)}`)
  }
  for (const hidden of args.hidden) {
    check(!names.includes(hidden), `hidden table ${hidden} is listed`)
    check(!(await catalog.tableExists({ namespace: levels, name: hidden })), `tableExists(${hidden}) is true for a hidden table`)
    try {
      await catalog.loadTable({ namespace: levels, name: hidden })
      problems.push(`loadTable(${hidden}) succeeded for a hidden table`)
    } catch (err) {
      check(err instanceof IcebergError && err.status === 404 && err.icebergType === 'NoSuchTableException',
        `loadTable(${hidden}): expected 404 NoSuchTableException, got ${err?.status} ${err?.icebergType} ${err?.message}`)
    }
  }
  output.hidden_checked = args.hidden.length
  check(await catalog.tableExists({ namespace: levels, name: args.table }), `tableExists(${args.table}) is false`)

  // ---- load ----
  const result = await catalog.loadTableResult({ namespace: levels, name: args.table })
  const metadata = result.metadata
  const location = result['metadata-location']
  output.table = `${nsShown}.${args.table}`
  output.metadata_location = location
  output.snapshot_id = /"current-snapshot-id"\s*:\s*(-?\d+)/.exec(lastLoadBody ?? '')?.[1] ?? null  // exact, as a string
  output.etag = result.etag ?? null
  check(typeof location === 'string' && /^[a-z][a-z0-9+.-]*:\/\//i.test(location),
    `metadata-location is not an absolute URI: ${JSON.stringify(location)}`)
  check(metadata && typeof metadata === 'object' && metadata['format-version'] >= 1 && metadata.location,
    'loadTableResult: metadata lacks format-version/location')
  check(result.config === undefined || (typeof result.config === 'object' && !Array.isArray(result.config)),
    `loadTableResult: config is not an object: ${JSON.stringify(result.config)}`)
  if (args.expectSnapshotId !== undefined) {
    check(output.snapshot_id === args.expectSnapshotId,
      `current-snapshot-id ${output.snapshot_id} != expected ${args.expectSnapshotId}`)
  }
  // The metadata-location names the file the metadata came from.
  const fileUrl = mapUrl(location, mappings)
  const res = await fetch(location)
  check(res.ok, `GET ${location} (${fileUrl}) -> ${res.status}`)
  if (res.ok) {
    const stored = JSON.parse(await res.text())
    check(JSON.stringify(stored) === JSON.stringify(metadata), `${location} differs from the metadata the catalog returned`)
  }

  // ---- read the rows with icebird from the returned metadata ----
  const rows = await icebergRead({ tableUrl: mapUrl(metadata.location, mappings), metadata })
  output.rows = rows.length
  if (args.expectCount !== undefined) check(rows.length === Number(args.expectCount), `row count ${rows.length} != expected ${args.expectCount}`)
} catch (err) {
  const bad = (server?.served ?? []).filter(([, , s]) => s >= 400).map(([m, p, s]) => `${m} ${p} -> ${s}`)
  problems.push(`${err instanceof IcebergError ? `catalog error ${err.status} ${err.icebergType ?? ''}: ` : ''}${err?.message ?? err}` +
    (refused.length ? `\n  refused: ${refused.slice(0, 5).join(', ')}` : '') +
    (bad.length ? `\n  bucket server errors: ${bad.slice(0, 5).join(', ')}` : ''))
} finally {
  await server?.close()
}

output.mapped_requests = mapped.length
console.log(JSON.stringify(output))
if (problems.length) die(problems.join('; '))

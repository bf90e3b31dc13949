// loopback.mjs - what the interop harnesses share: a read-only loopback HTTP
// server over a directory (GET/HEAD, Range -> 206), and a guard around
// globalThis.fetch that maps stored location prefixes (--map-prefix
// FROM=TO) onto such a server and refuses every other URL, so a reader
// under test never reaches the network.

import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'

// Serves `root` read-only on 127.0.0.1:`port` (0: any free port).
// Returns { url, served: [[method, path, status]...], close() }.
export async function serveDirectory(root, { port = 0 } = {}) {
  const served = []
  const server = http.createServer((req, res) => {
    const done = (status, headers = {}, body) => {
      served.push([req.method, req.url, status])
      res.writeHead(status, headers)
      res.end(req.method === 'HEAD' ? undefined : body)
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return done(405, { Allow: 'GET, HEAD' })
    let file
    try {
      file = path.resolve(root, '.' + decodeURIComponent(new URL(req.url, 'http://x').pathname))
    } catch {
      return done(400)
    }
    if (file !== root && !file.startsWith(root + path.sep)) return done(403)
    const st = fs.statSync(file, { throwIfNoEntry: false })
    if (!st?.isFile()) return done(404, { 'Content-Type': 'text/plain' }, 'not found\n')
    const size = st.size
    const base = { 'Accept-Ranges': 'bytes', 'Content-Type': 'application/octet-stream' }
    const range = req.headers.range
    if (!range) {
      served.push([req.method, req.url, 200])
      res.writeHead(200, { ...base, 'Content-Length': size })
      return req.method === 'HEAD' ? res.end() : fs.createReadStream(file).pipe(res)
    }
    const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim())
    let start, end
    if (m && m[1] !== '') {
      start = Number(m[1])
      end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)
    } else if (m && m[2] !== '') { // suffix range: last N bytes
      start = Math.max(0, size - Number(m[2]))
      end = size - 1
    }
    if (start === undefined || start > end || start >= size) {
      return done(416, { 'Content-Range': `bytes */${size}` })
    }
    served.push([req.method, req.url, 206])
    res.writeHead(206, { ...base, 'Content-Length': end - start + 1, 'Content-Range': `bytes ${start}-${end}/${size}` })
    if (req.method === 'HEAD') return res.end()
    fs.createReadStream(file, { start, end }).pipe(res)
  })
  await new Promise((ok, ko) => server.once('error', ko).listen(port, '127.0.0.1', ok))
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    served,
    close: () => new Promise(ok => server.close(ok)),
  }
}

// Same rule as icebird's translateS3Url (src/fetch.js): s3a://b/k -> https://b.s3.amazonaws.com/k
export const s3ToHttps = u => u.replace(/^s3a?:\/\/([^/]+)(\/.*)?$/, (_, b, k = '') => `https://${b}.s3.amazonaws.com${k}`)
const trimSlash = s => s.replace(/\/+$/, '')

// Parses `--map-prefix FROM=TO` specs. TO is an absolute URL or a path
// relative to `base` ("." = base itself). Throws on a malformed spec.
export function parseMappings(specs, base) {
  return specs.map(spec => {
    const eq = spec.indexOf('=')
    if (eq <= 0) throw new Error(`--map-prefix wants FROM=TO, got ${spec}`)
    const from = trimSlash(spec.slice(0, eq))
    const to = spec.slice(eq + 1)
    const target = trimSlash(/^[a-z][a-z0-9+.-]*:/i.test(to) ? to : new URL(to || '.', base + '/').href)
    return { froms: [...new Set([from, s3ToHttps(from)])], target }
  })
}

// `url` rewritten by the first mapping whose FROM prefixes it (else unchanged).
export function mapUrl(url, mappings) {
  for (const { froms, target } of mappings) {
    const from = froms.find(f => url === f || url.startsWith(f + '/'))
    if (from) return target + url.slice(from.length)
  }
  return url
}

// Wraps globalThis.fetch: URLs are mapped by `mappings`, and only URLs under
// one of `allowed` (base URLs) are fetched; anything else throws with
// `refusedHint` in the message. Returns { mapped, refused } (logs).
export function guardFetch({ allowed, mappings = [], verbose = false, refusedHint = '' }) {
  const mapped = []
  const refused = []
  const realFetch = globalThis.fetch
  const isAllowed = url => allowed.some(base => url === base || url.startsWith(trimSlash(base) + '/'))
  globalThis.fetch = async (input, init) => {
    const orig = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    const url = mapUrl(orig, mappings)
    if (url !== orig) mapped.push([orig, url])
    if (verbose) process.stderr.write(`fetch ${init?.method ?? 'GET'} ${orig}${url !== orig ? ` -> ${url}` : ''}\n`)
    if (!isAllowed(url)) {
      refused.push(orig)
      throw new Error(`harness refused fetch of "${orig}": it is outside ${allowed.join(', ')}. ${refusedHint}`)
    }
    return realFetch(url, init)
  }
  return { mapped, refused }
}

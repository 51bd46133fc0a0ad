// The guest prelude: JavaScript that prepares a QuickJS context for a workflow. A worker evaluates
// it once, into the instance image every run's instance is a copy of (see instance.ts); no run's
// data exists when it runs.
//
// The one host function (`host(op, json) → string`) is not part of the image: each run passes its
// own as an argument of `start`, and the prelude keeps it in a closure, never on the global object.
// `ctx` is built out of guest objects only. Host replies are strings: "v"+JSON (a value), "e"/"t"+
// message (throw a fresh Error/TypeError made here), "p"+id (a pending operation the host settles
// later through `settle`). No host object, function, promise or error ever enters the guest. The
// prelude's completion value, `{ start, settle, load }`, is kept by the host and never reachable
// from workflow code.
//
// ctx.http's request/response code, the integration clients and the "vigil" standard library with
// the URL/TextEncoder globals are CHUNKS, each evaluated the first time it is used. The worker
// evaluates most of them into the image with `load` (see IMAGE_CHUNKS); a run that uses another
// fetches its source with the "chunk" operation.
//
// Intrinsics the core relies on are captured before the workflow runs, so a workflow that patches
// Promise.prototype.then or JSON.stringify sabotages only itself; the host treats every string it
// receives as hostile either way. Kept free of backquotes so it can live in String.raw templates.
export const PRELUDE = String.raw`(function () {
'use strict';
var G = globalThis, host = null;
var O = Object, freeze = O.freeze, defineProperty = O.defineProperty, create = O.create, keysOf = O.keys;
var isFrozen = O.isFrozen, getOwnPropertyNames = O.getOwnPropertyNames;
var apply = Reflect.apply, stringify = JSON.stringify, parseJSON = JSON.parse, strSlice = String.prototype.slice;
var Err = Error, TypeErr = TypeError, Prom = Promise, promiseThen = Promise.prototype.then, indirectEval = G.eval, Str = String;
var isFiniteNumber = Number.isFinite, arrayJoin = Array.prototype.join;

// ── bridge ──
function decode(reply, wrap) {
  var tag = reply[0], rest = apply(strSlice, reply, [1]);
  if (tag === 'v') return wrap ? wrap(parseJSON(rest)) : rest === '' ? undefined : parseJSON(rest);
  if (tag === 'p') return rest;
  throw tag === 't' ? new TypeErr(rest) : new Err(rest);
}
function call(op, arg) { return decode(host(op, arg === undefined ? '' : stringify(arg))); }
var pending = create(null);
function later(op, arg, wrap) {
  var id = call(op, arg);
  return new Prom(function (resolve, reject) { pending[id] = [resolve, reject, wrap]; });
}
function settle(id, reply) {
  var p = pending[id];
  if (p === undefined) return;
  delete pending[id];
  var value;
  try { value = decode(reply, p[2]); } catch (e) { p[1](e); return; }
  p[0](value);
}

// ── chunks, the "vigil" module, lazy globals ──
var chunks = create(null);
var kit = freeze({ call: call, later: later, lib: lib });
function lib(name) { return chunks[name] || (chunks[name] = indirectEval(call('chunk', name))(kit)); }
var stdNames = 'sha1 sha256 sha512 md5 hmac base64Encode base64Decode base64DecodeBytes hexEncode hexDecode uuid URL URLSearchParams TextEncoder TextDecoder'.split(' ');
var stdDescriptors = {};
stdNames.forEach(function (name) {
  var chunk = name[0] === 'U' && name !== 'uuid' ? 'url' : name[0] === 'T' ? 'text' : 'bytes';
  stdDescriptors[name] = { enumerable: true, get: function () { return lib(chunk)[name]; } };
  if (chunk !== 'bytes') {
    var own = function (v) { defineProperty(G, name, { value: v, writable: true, configurable: true, enumerable: false }); return v; };
    defineProperty(G, name, { configurable: true, enumerable: false, get: function () { return own(lib(chunk)[name]); }, set: own });
  }
});
var std = freeze(create(null, stdDescriptors));

// ── logging ──
function safeText(value) {
  if (typeof value === 'string') return value;
  try {
    if (value !== null && typeof value === 'object') { var j = stringify(value); if (typeof j === 'string') return j; }
    return Str(value);
  } catch (e) { return '[unprintable value]'; }
}
function log(level, message, fields) {
  call('log', { level: level, message: typeof message === 'string' ? message : safeText(message), fields: fields === undefined ? null : fields });
}
function logger(level) { return function (message, fields) { log(level, message, fields); }; }
function consoleMethod(level) {
  return function () {
    var parts = [];
    for (var i = 0; i < arguments.length; i++) parts[i] = safeText(arguments[i]);
    log(level, apply(arrayJoin, parts, [' ']), undefined);
  };
}
defineProperty(G, 'console', { value: freeze({ log: consoleMethod('info'), info: consoleMethod('info'), debug: consoleMethod('debug'), warn: consoleMethod('warn'), error: consoleMethod('error') }), writable: true, configurable: true, enumerable: false });

// ── ctx ──
function deepFreeze(value) {
  if (value === null || typeof value !== 'object' || isFrozen(value)) return value;
  freeze(value);
  var names = getOwnPropertyNames(value);
  for (var i = 0; i < names.length; i++) deepFreeze(value[names[i]]);
  return value;
}
function describe(e) {
  try {
    if (e !== null && typeof e === 'object') {
      var name = e.name, message = e.message, stack = e.stack;
      return {
        name: typeof name === 'string' ? name : 'Error',
        message: typeof message === 'string' ? message : message === undefined ? safeText(e) : safeText(message),
        stack: typeof stack === 'string' ? apply(strSlice, stack, [0, 4000]) : '',
      };
    }
    return { name: 'Error', message: 'threw ' + safeText(e), stack: '' };
  } catch (err) {
    return { name: 'Error', message: 'threw a value that cannot be described', stack: '' };
  }
}
function verb(method) { return function (url, options) { return lib('http').verb(method, url, options); }; }
function stepOutput(value) {
  try { var json = stringify(value); return typeof json === 'string' ? json : ''; }
  catch (e) { return stringify('[the step returned a value that is not JSON: ' + describe(e).message + ']'); }
}
async function step(name, fn) {
  if (typeof name !== 'string') throw new TypeErr('ctx.step(name, fn): name must be a string');
  if (typeof fn !== 'function') throw new TypeErr('ctx.step(name, fn): fn must be a function');
  var token = call('stepStart', name), value;
  try { value = await fn(); }
  catch (e) { call('stepEnd', { token: token, ok: false, error: describe(e) }); throw e; }
  call('stepEnd', { token: token, ok: true, output: stepOutput(value) });
  return value;
}
step.skip = function skip(name, reason) {
  if (typeof name !== 'string') throw new TypeErr('ctx.step.skip(name, reason): name must be a string');
  if (reason !== undefined && typeof reason !== 'string') throw new TypeErr('ctx.step.skip(name, reason): reason must be a string');
  call('stepSkip', { name: name, reason: reason === undefined ? null : reason });
};
freeze(step);
function sleep(ms) {
  if (typeof ms !== 'number' || !isFiniteNumber(ms) || ms < 0) throw new TypeErr('ctx.sleep(ms) needs a number of milliseconds >= 0');
  return later('sleep', ms);
}
function result(success) {
  return function (message, data) { return { success: success, message: message === undefined ? '' : safeText(message), data: data === undefined ? null : data }; };
}
function integrations(available) {
  var out = {};
  ['okta', 'entra'].forEach(function (name) {
    var present = !!(available && available[name] === true);
    defineProperty(out, name, { enumerable: true, get: function () { return present ? lib('integrations')[name] : null; } });
  });
  return freeze(out);
}
function buildCtx(cfg) {
  return freeze({
    indicator: deepFreeze(cfg.indicator),
    alert: deepFreeze(cfg.alert),
    input: deepFreeze(cfg.input),
    run: deepFreeze(cfg.run),
    http: freeze({ get: verb('GET'), post: verb('POST'), put: verb('PUT'), patch: verb('PATCH'), delete: verb('DELETE'), request: function (r) { return lib('http').request(r, 'ctx.http.request'); } }),
    log: freeze({ debug: logger('debug'), info: logger('info'), warn: logger('warn'), error: logger('error') }),
    secrets: freeze({ get: function get(name) {
      if (typeof name !== 'string') throw new TypeErr('ctx.secrets.get(name) needs a string');
      return call('secret', name);
    } }),
    integrations: integrations(cfg.integrations),
    step: step,
    sleep: sleep,
    ok: result(true),
    fail: result(false),
  });
}

// ── start: evaluate the module, call run(ctx), report once ──
function finish(value) {
  var json;
  try { json = stringify(value); }
  catch (e) { host('error', stringify({ kind: 'serialize', error: describe(e) })); return; }
  host('done', typeof json === 'string' ? json : '');
}
function failed(e) { host('error', stringify({ kind: 'throw', error: describe(e) })); }
function start(main, configJson, hostFunction) {
  host = hostFunction;
  var ctx = buildCtx(parseJSON(configJson));
  var running = (async function () {
    var run = await main(std);
    if (typeof run !== 'function') throw new TypeErr('the workflow must export async function run(ctx)');
    return await run(ctx);
  })();
  apply(promiseThen, running, [finish, failed]);
}
function load(name, source) { chunks[name] = indirectEval(source)(kit); }
return freeze({ start: start, settle: settle, load: load });
})()`;

export const CHUNK_HTTP = String.raw`(function (k) {
'use strict';

var freeze = Object.freeze, keysOf = Object.keys, isArray = Array.isArray, parseJSON = JSON.parse, stringify = JSON.stringify;
var Str = String, Err = Error, TypeErr = TypeError, isFiniteNumber = Number.isFinite;
function makeResponse(v) {
  var body = v.body, url = v.url, status = v.status;
  return freeze({
    status: status,
    ok: status >= 200 && status <= 299,
    url: url,
    headers: freeze(v.headers),
    text: function text() { return body; },
    json: function json() {
      try { return parseJSON(body); }
      catch (e) { throw new Err('the response from ' + url + ' (HTTP ' + status + ') is not valid JSON: ' + (e && e.message)); }
    },
  });
}
function stringMap(value, what) {
  var out = {};
  if (value === undefined || value === null) return out;
  if (typeof value !== 'object' || isArray(value)) throw new TypeErr(what + ' must be an object');
  var names = keysOf(value);
  for (var i = 0; i < names.length; i++) {
    var v = value[names[i]];
    if (typeof v === 'string') out[names[i]] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[names[i]] = Str(v);
    else if (v !== undefined) throw new TypeErr(what + '.' + names[i] + ' must be a string, number or boolean');
  }
  return out;
}
function request(r, label) {
  if (r === null || typeof r !== 'object') throw new TypeErr(label + ' needs an options object');
  var method = r.method, url = r.url;
  if (typeof method !== 'string') throw new TypeErr(label + ': method must be a string such as "GET"');
  if (url !== null && typeof url === 'object' && typeof url.href === 'string') url = url.href;
  if (typeof url !== 'string') throw new TypeErr(label + ': url must be a string');
  if (r.json !== undefined && r.body !== undefined) throw new TypeErr(label + ': pass json or body, not both');
  var body = null, isJson = false;
  if (r.json !== undefined) {
    body = stringify(r.json);
    if (typeof body !== 'string') throw new TypeErr(label + ': json cannot be serialized');
    isJson = true;
  } else if (r.body !== undefined && r.body !== null) {
    if (typeof r.body !== 'string') throw new TypeErr(label + ': body must be a string (use json for objects)');
    body = r.body;
  }
  var timeout = r.timeout_ms;
  if (timeout !== undefined && timeout !== null && (typeof timeout !== 'number' || !isFiniteNumber(timeout) || timeout <= 0)) throw new TypeErr(label + ': timeout_ms must be a positive number');
  return k.later('http', {
    method: method, url: url,
    headers: stringMap(r.headers, label + ': headers'),
    query: stringMap(r.query, label + ': query'),
    body: body, json: isJson, timeout_ms: timeout === undefined ? null : timeout,
  }, makeResponse);
}
function verb(method, url, options) {
  var label = 'ctx.http.' + method.toLowerCase();
  if (options !== undefined && (options === null || typeof options !== 'object')) throw new TypeErr(label + ': options must be an object');
  var o = options || {};
  return request({ method: method, url: url, headers: o.headers, query: o.query, json: o.json, body: o.body, timeout_ms: o.timeout_ms }, label);
}
return freeze({ request: request, verb: verb });
})`;

/** Opens each standard-library chunk: the intrinsics and small helpers every one of them uses. */
const LIBRARY_HEADER = String.raw`(function (k) {
'use strict';
var freeze = Object.freeze, create = Object.create, keysOf = Object.keys, apply = Reflect.apply, call = k.call;
var Str = String, fromCharCode = String.fromCharCode, arrayJoin = Array.prototype.join, arraySort = Array.prototype.sort, arraySlice = Array.prototype.slice;
var strSlice = String.prototype.slice, strCharCodeAt = String.prototype.charCodeAt, strIndexOf = String.prototype.indexOf, strSplit = String.prototype.split;
var strToLower = String.prototype.toLowerCase, strToUpper = String.prototype.toUpperCase, strTrim = String.prototype.trim;
var U8 = Uint8Array, AB = ArrayBuffer, isView = ArrayBuffer.isView, WM = WeakMap, wmGet = WeakMap.prototype.get, wmSet = WeakMap.prototype.set;
var SymbolIterator = Symbol.iterator, SymbolToStringTag = Symbol.toStringTag, Err = Error, TypeErr = TypeError, RangeErr = RangeError;
function push(array, value) { array[array.length] = value; }
function slice(s, a, b) { return apply(strSlice, s, b === undefined ? [a] : [a, b]); }
function code(s, i) { return apply(strCharCodeAt, s, [i]); }
`;

export const CHUNK_BYTES = LIBRARY_HEADER + String.raw`// ── bytes, UTF-8, base64, hex ───────────────────────────────────────────────────────────────
function utf8Encode(s) {
  var out = [];
  for (var i = 0; i < s.length; i++) {
    var c = code(s, i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      var d = code(s, i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) { c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00); i++; }
      else c = 0xfffd;
    } else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x80) push(out, c);
    else if (c < 0x800) { push(out, 0xc0 | (c >> 6)); push(out, 0x80 | (c & 63)); }
    else if (c < 0x10000) { push(out, 0xe0 | (c >> 12)); push(out, 0x80 | ((c >> 6) & 63)); push(out, 0x80 | (c & 63)); }
    else { push(out, 0xf0 | (c >> 18)); push(out, 0x80 | ((c >> 12) & 63)); push(out, 0x80 | ((c >> 6) & 63)); push(out, 0x80 | (c & 63)); }
  }
  return new U8(out);
}
function charsToString(codes) {
  var parts = [];
  for (var i = 0; i < codes.length; i += 8192) push(parts, apply(fromCharCode, null, apply(arraySlice, codes, [i, i + 8192])));
  return apply(arrayJoin, parts, ['']);
}
function utf8Decode(bytes, fatal) {
  var out = [];
  var i = 0, n = bytes.length;
  function bad() { if (fatal) throw new TypeErr('The encoded data was not valid for encoding utf-8'); push(out, 0xfffd); }
  while (i < n) {
    var b = bytes[i];
    if (b < 0x80) { push(out, b); i++; continue; }
    var need = b >= 0xf0 && b <= 0xf4 ? 3 : b >= 0xe0 ? 2 : b >= 0xc2 && b < 0xe0 ? 1 : -1;
    if (need < 0 || b > 0xf4) { bad(); i++; continue; }
    var cp = b & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
    var lower = 0x80, upper = 0xbf;
    if (b === 0xe0) lower = 0xa0; else if (b === 0xed) upper = 0x9f; else if (b === 0xf0) lower = 0x90; else if (b === 0xf4) upper = 0x8f;
    var j = 1;
    for (; j <= need; j++) {
      var c = bytes[i + j];
      if (i + j >= n || c < lower || c > upper) break;
      lower = 0x80; upper = 0xbf;
      cp = (cp << 6) | (c & 63);
    }
    if (j <= need) { bad(); i += j; continue; }
    i += need + 1;
    if (cp >= 0x10000) { cp -= 0x10000; push(out, 0xd800 + (cp >> 10)); push(out, 0xdc00 + (cp & 0x3ff)); }
    else push(out, cp);
  }
  return charsToString(out);
}
function toBytes(data, what) {
  if (typeof data === 'string') return utf8Encode(data);
  if (data instanceof U8) return data;
  if (data instanceof AB) return new U8(data);
  if (isView(data)) return new U8(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeErr(what + ' must be a string or a Uint8Array');
}
var B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
function base64Encode(data) {
  var b = toBytes(data, 'base64Encode(data)');
  var out = [];
  for (var i = 0; i < b.length; i += 3) {
    var n = (b[i] << 16) | ((i + 1 < b.length ? b[i + 1] : 0) << 8) | (i + 2 < b.length ? b[i + 2] : 0);
    push(out, B64[(n >> 18) & 63]); push(out, B64[(n >> 12) & 63]);
    push(out, i + 1 < b.length ? B64[(n >> 6) & 63] : '=');
    push(out, i + 2 < b.length ? B64[n & 63] : '=');
  }
  return apply(arrayJoin, out, ['']);
}
function base64DecodeBytes(text) {
  if (typeof text !== 'string') throw new TypeErr('base64DecodeBytes(b64) needs a string');
  var values = [];
  for (var i = 0; i < text.length; i++) {
    var c = code(text, i);
    var v = c >= 65 && c <= 90 ? c - 65 : c >= 97 && c <= 122 ? c - 71 : c >= 48 && c <= 57 ? c + 4 : c === 43 || c === 45 ? 62 : c === 47 || c === 95 ? 63 : -1;
    if (v >= 0) { push(values, v); continue; }
    if (c === 61) break;
    if (c === 32 || c === 10 || c === 13 || c === 9) continue;
    throw new TypeErr('base64Decode: invalid character at position ' + i);
  }
  if (values.length % 4 === 1) throw new TypeErr('base64Decode: invalid length');
  var out = new U8((values.length * 3) >> 2);
  var o = 0;
  for (var k = 0; k < values.length; k += 4) {
    var n = (values[k] << 18) | (values[k + 1] << 12) | ((values[k + 2] || 0) << 6) | (values[k + 3] || 0);
    out[o++] = (n >> 16) & 255;
    if (k + 2 < values.length) out[o++] = (n >> 8) & 255;
    if (k + 3 < values.length) out[o++] = n & 255;
  }
  return out;
}
function base64Decode(text) { return utf8Decode(base64DecodeBytes(text), false); }
var HEX = '0123456789abcdef';
function hexEncode(data) {
  var b = toBytes(data, 'hexEncode(data)');
  var out = [];
  for (var i = 0; i < b.length; i++) { push(out, HEX[b[i] >> 4]); push(out, HEX[b[i] & 15]); }
  return apply(arrayJoin, out, ['']);
}
function hexDecode(text) {
  if (typeof text !== 'string') throw new TypeErr('hexDecode(hex) needs a string');
  if (text.length % 2 !== 0) throw new TypeErr('hexDecode: odd number of hex digits');
  var out = new U8(text.length / 2);
  for (var i = 0; i < out.length; i++) {
    var hi = hexValue(code(text, 2 * i)), lo = hexValue(code(text, 2 * i + 1));
    if (hi < 0 || lo < 0) throw new TypeErr('hexDecode: invalid hex digit at position ' + (hi < 0 ? 2 * i : 2 * i + 1));
    out[i] = (hi << 4) | lo;
  }
  return out;
}
function hexValue(c) { return c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1; }

// ── hashes, uuid (computed by the host) ─────────────────────────────────────────────────────
function wire(data, what) {
  if (typeof data === 'string') return { s: data };
  return { b: base64Encode(toBytes(data, what)) };
}
function encodingOf(encoding) {
  if (encoding === undefined) return 'hex';
  if (encoding !== 'hex' && encoding !== 'base64') throw new TypeErr('encoding must be "hex" or "base64"');
  return encoding;
}
function digest(alg) {
  return function (data, encoding) { return call('digest', { alg: alg, data: wire(data, alg + '(data)'), enc: encodingOf(encoding) }); };
}
function hmac(algorithm, key, data, encoding) {
  if (algorithm !== 'sha1' && algorithm !== 'sha256' && algorithm !== 'sha512' && algorithm !== 'md5') throw new TypeErr('hmac: algorithm must be "sha1", "sha256", "sha512" or "md5"');
  return call('hmac', { alg: algorithm, key: wire(key, 'hmac(key)'), data: wire(data, 'hmac(data)'), enc: encodingOf(encoding) });
}
function uuid() { return call('uuid'); }


return freeze({ sha1: digest('sha1'), sha256: digest('sha256'), sha512: digest('sha512'), md5: digest('md5'), hmac: hmac, base64Encode: base64Encode, base64Decode: base64Decode, base64DecodeBytes: base64DecodeBytes, hexEncode: hexEncode, hexDecode: hexDecode, uuid: uuid, utf8Encode: utf8Encode, utf8Decode: utf8Decode, toBytes: toBytes, charsToString: charsToString, hexValue: hexValue, HEX: HEX });

})`;

export const CHUNK_URL = LIBRARY_HEADER + String.raw`var B = k.lib('bytes'), utf8Encode = B.utf8Encode, utf8Decode = B.utf8Decode, hexValue = B.hexValue, HEX = B.HEX;
// ── URLSearchParams, URL ────────────────────────────────────────────────────────────────────
function formEncode(s) {
  var b = utf8Encode(s);
  var out = [];
  for (var i = 0; i < b.length; i++) {
    var c = b[i];
    if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 42 || c === 45 || c === 46 || c === 95) push(out, fromCharCode(c));
    else if (c === 32) push(out, '+');
    else push(out, '%' + apply(strToUpper, HEX[c >> 4] + HEX[c & 15], []));
  }
  return apply(arrayJoin, out, ['']);
}
function formDecode(s) {
  var bytes = [];
  for (var i = 0; i < s.length; i++) {
    var c = code(s, i);
    if (c === 43) { push(bytes, 32); continue; }
    if (c === 37 && i + 2 < s.length + 0 && hexValue(code(s, i + 1)) >= 0 && hexValue(code(s, i + 2)) >= 0) {
      push(bytes, (hexValue(code(s, i + 1)) << 4) | hexValue(code(s, i + 2))); i += 2; continue;
    }
    var enc = utf8Encode(s[i] + (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length ? s[++i] : ''));
    for (var k = 0; k < enc.length; k++) push(bytes, enc[k]);
  }
  return utf8Decode(bytes, false);
}
function parseQuery(query) {
  var list = [];
  var text = query[0] === '?' ? slice(query, 1) : query;
  if (text === '') return list;
  var parts = apply(strSplit, text, ['&']);
  for (var i = 0; i < parts.length; i++) {
    var part = parts[i];
    if (part === '') continue;
    var eq = apply(strIndexOf, part, ['=']);
    push(list, eq < 0 ? [formDecode(part), ''] : [formDecode(slice(part, 0, eq)), formDecode(slice(part, eq + 1))]);
  }
  return list;
}
var paramsOwner = new WM();
class URLSearchParams {
  #list;
  constructor(init) {
    this.#list = [];
    if (init === undefined || init === null) return;
    if (typeof init === 'object' && init instanceof URLSearchParams) {
      var other = init.#list;
      for (var i = 0; i < other.length; i++) push(this.#list, [other[i][0], other[i][1]]);
    } else if (typeof init === 'object' && typeof init[SymbolIterator] === 'function') {
      for (var pair of init) {
        if (pair === null || typeof pair !== 'object' || pair.length !== 2) throw new TypeErr('URLSearchParams: each pair must have exactly two items');
        push(this.#list, [Str(pair[0]), Str(pair[1])]);
      }
    } else if (typeof init === 'object') {
      var names = keysOf(init);
      for (var j = 0; j < names.length; j++) push(this.#list, [names[j], Str(init[names[j]])]);
    } else {
      this.#list = parseQuery(Str(init));
    }
  }
  #changed() { var owner = apply(wmGet, paramsOwner, [this]); if (owner) owner(this.toString()); }
  static _replace(params, list) { params.#list = list; }
  get size() { return this.#list.length; }
  append(name, value) { push(this.#list, [Str(name), Str(value)]); this.#changed(); }
  delete(name, value) {
    name = Str(name);
    var keep = [];
    for (var i = 0; i < this.#list.length; i++) {
      var p = this.#list[i];
      if (p[0] === name && (value === undefined || p[1] === Str(value))) continue;
      push(keep, p);
    }
    this.#list = keep;
    this.#changed();
  }
  get(name) { name = Str(name); for (var i = 0; i < this.#list.length; i++) if (this.#list[i][0] === name) return this.#list[i][1]; return null; }
  getAll(name) { name = Str(name); var out = []; for (var i = 0; i < this.#list.length; i++) if (this.#list[i][0] === name) push(out, this.#list[i][1]); return out; }
  has(name, value) { name = Str(name); for (var i = 0; i < this.#list.length; i++) if (this.#list[i][0] === name && (value === undefined || this.#list[i][1] === Str(value))) return true; return false; }
  set(name, value) {
    name = Str(name); value = Str(value);
    var out = [], found = false;
    for (var i = 0; i < this.#list.length; i++) {
      var p = this.#list[i];
      if (p[0] !== name) push(out, p);
      else if (!found) { push(out, [name, value]); found = true; }
    }
    if (!found) push(out, [name, value]);
    this.#list = out;
    this.#changed();
  }
  sort() {
    var indexed = [];
    for (var i = 0; i < this.#list.length; i++) push(indexed, [this.#list[i], i]);
    apply(arraySort, indexed, [function (a, b) { return a[0][0] < b[0][0] ? -1 : a[0][0] > b[0][0] ? 1 : a[1] - b[1]; }]);
    var out = [];
    for (var k = 0; k < indexed.length; k++) push(out, indexed[k][0]);
    this.#list = out;
    this.#changed();
  }
  forEach(fn, thisArg) { if (typeof fn !== 'function') throw new TypeErr('URLSearchParams.forEach needs a function'); for (var i = 0; i < this.#list.length; i++) apply(fn, thisArg, [this.#list[i][1], this.#list[i][0], this]); }
  *keys() { for (var i = 0; i < this.#list.length; i++) yield this.#list[i][0]; }
  *values() { for (var i = 0; i < this.#list.length; i++) yield this.#list[i][1]; }
  *entries() { for (var i = 0; i < this.#list.length; i++) yield [this.#list[i][0], this.#list[i][1]]; }
  [SymbolIterator]() { return this.entries(); }
  toString() {
    var out = [];
    for (var i = 0; i < this.#list.length; i++) push(out, formEncode(this.#list[i][0]) + '=' + formEncode(this.#list[i][1]));
    return apply(arrayJoin, out, ['&']);
  }
  get [SymbolToStringTag]() { return 'URLSearchParams'; }
}
var replaceParams = URLSearchParams._replace;
delete URLSearchParams._replace;

class URL {
  #p;
  #params;
  constructor(url, base) {
    if (arguments.length === 0) throw new TypeErr('URL: 1 argument required');
    this.#p = call('url', { url: Str(url), base: base === undefined ? null : Str(base) });
    this.#params = null;
  }
  static canParse(url, base) { try { new URL(url, base); return true; } catch (e) { return false; } }
  static parse(url, base) { try { return new URL(url, base); } catch (e) { return null; } }
  #set(prop, value) {
    this.#p = call('urlSet', { href: this.#p.href, prop: prop, value: Str(value) });
    if (this.#params !== null) replaceParams(this.#params, parseQuery(this.#p.search));
  }
  get href() { return this.#p.href; } set href(v) { this.#set('href', v); }
  get origin() { return this.#p.origin; }
  get protocol() { return this.#p.protocol; } set protocol(v) { this.#set('protocol', v); }
  get username() { return this.#p.username; } set username(v) { this.#set('username', v); }
  get password() { return this.#p.password; } set password(v) { this.#set('password', v); }
  get host() { return this.#p.host; } set host(v) { this.#set('host', v); }
  get hostname() { return this.#p.hostname; } set hostname(v) { this.#set('hostname', v); }
  get port() { return this.#p.port; } set port(v) { this.#set('port', v); }
  get pathname() { return this.#p.pathname; } set pathname(v) { this.#set('pathname', v); }
  get search() { return this.#p.search; } set search(v) { this.#set('search', v); }
  get hash() { return this.#p.hash; } set hash(v) { this.#set('hash', v); }
  get searchParams() {
    if (this.#params === null) {
      var self = this;
      this.#params = new URLSearchParams(this.#p.search);
      apply(wmSet, paramsOwner, [this.#params, function (query) {
        self.#p = call('urlSet', { href: self.#p.href, prop: 'search', value: query });
      }]);
    }
    return this.#params;
  }
  toString() { return this.#p.href; }
  toJSON() { return this.#p.href; }
  get [SymbolToStringTag]() { return 'URL'; }
}


return freeze({ URL: URL, URLSearchParams: URLSearchParams });

})`;

export const CHUNK_TEXT = LIBRARY_HEADER + String.raw`var B = k.lib('bytes'), utf8Encode = B.utf8Encode, utf8Decode = B.utf8Decode, toBytes = B.toBytes, charsToString = B.charsToString;
// ── TextEncoder, TextDecoder ────────────────────────────────────────────────────────────────
class TextEncoder {
  get encoding() { return 'utf-8'; }
  encode(input) { return utf8Encode(input === undefined ? '' : Str(input)); }
  encodeInto(source, destination) {
    var bytes = utf8Encode(Str(source));
    var n = bytes.length < destination.length ? bytes.length : destination.length;
    while (n > 0 && n < bytes.length && (bytes[n] & 0xc0) === 0x80) n--;
    for (var i = 0; i < n; i++) destination[i] = bytes[i];
    return { read: utf8Decode(bytes.subarray(0, n), false).length, written: n };
  }
}
class TextDecoder {
  #encoding; #fatal; #ignoreBOM;
  constructor(label, options) {
    var name = label === undefined ? 'utf-8' : apply(strToLower, apply(strTrim, Str(label), []), []);
    if (name === 'utf-8' || name === 'utf8' || name === 'unicode-1-1-utf-8') this.#encoding = 'utf-8';
    else if (name === 'utf-16le' || name === 'utf-16') this.#encoding = 'utf-16le';
    else throw new RangeErr('TextDecoder: unsupported encoding "' + name + '" (supported: utf-8, utf-16le)');
    this.#fatal = !!(options && options.fatal);
    this.#ignoreBOM = !!(options && options.ignoreBOM);
  }
  get encoding() { return this.#encoding; }
  get fatal() { return this.#fatal; }
  get ignoreBOM() { return this.#ignoreBOM; }
  decode(input) {
    if (input === undefined) return '';
    var bytes = toBytes(input, 'TextDecoder.decode(input)');
    if (typeof input === 'string') throw new TypeErr('TextDecoder.decode(input) needs bytes');
    var text;
    if (this.#encoding === 'utf-16le') {
      var codes = [];
      for (var i = 0; i + 1 < bytes.length; i += 2) push(codes, bytes[i] | (bytes[i + 1] << 8));
      if (bytes.length % 2 === 1) { if (this.#fatal) throw new TypeErr('The encoded data was not valid for encoding utf-16le'); push(codes, 0xfffd); }
      text = charsToString(codes);
    } else {
      text = utf8Decode(bytes, this.#fatal);
    }
    if (!this.#ignoreBOM && code(text, 0) === 0xfeff) text = slice(text, 1);
    return text;
  }
}


return freeze({ TextEncoder: TextEncoder, TextDecoder: TextDecoder });

})`;

// The ctx.integrations clients: each method sends { integration, method, args } to the host, whose
// broker makes the vendor calls with credentials the guest never sees, and answers plain JSON.
export const CHUNK_INTEGRATIONS = String.raw`(function (k) {
'use strict';
var freeze = Object.freeze, Err = Error;
var METHODS = {
  okta: ['findUser', 'revokeSessions', 'suspend', 'unsuspend', 'resetPassword', 'expirePassword', 'checkConnection'],
  entra: ['findUser', 'revokeSessions', 'disableAccount', 'enableAccount', 'forceMfaReregistration', 'checkConnection'],
};
class IntegrationError extends Err {
  constructor(integration, e) {
    super(typeof e.message === 'string' ? e.message : integration + ': the call failed');
    this.name = 'IntegrationError';
    this.integration = integration;
    this.code = typeof e.code === 'string' ? e.code : 'INTERNAL_ERROR';
    this.status = typeof e.status === 'number' ? e.status : null;
    this.vendor_code = typeof e.vendor_code === 'string' ? e.vendor_code : null;
  }
}
function unwrap(integration) {
  return function (reply) {
    if (reply !== null && typeof reply === 'object' && reply.ok === true) return reply.value;
    throw new IntegrationError(integration, (reply && reply.error) || {});
  };
}
function client(integration) {
  var out = {};
  METHODS[integration].forEach(function (method) {
    out[method] = async function () {
      var args = [];
      for (var i = 0; i < arguments.length; i++) args[i] = arguments[i] === undefined ? null : arguments[i];
      return await k.later('integration', { integration: integration, method: method, args: args }, unwrap(integration));
    };
  });
  return freeze(out);
}
return freeze({ okta: client('okta'), entra: client('entra') });
})`;

/** Indentation and comment lines cost parse time; the guest never needs them. */
export function compactSource(source: string): string {
  return source
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('//'))
    .join('\n');
}

/** Sources the guest fetches with the "chunk" operation. */
export const CHUNKS: Readonly<Record<string, string>> = Object.freeze({ http: CHUNK_HTTP, bytes: CHUNK_BYTES, url: CHUNK_URL, text: CHUNK_TEXT, integrations: CHUNK_INTEGRATIONS });

/**
 * The chunks evaluated into the instance image, in an order where each finds the chunks it uses
 * already there (the builder has no host to fetch them from). Parsing one in a run costs that run
 * 0.6 ms (http) to 1 ms (bytes); in the image, http and integrations take no extra page, bytes and
 * text 7 (28 KB), copied by every run. url stays out: 12 more pages for what few workflows use.
 */
export const IMAGE_CHUNKS: readonly string[] = ['bytes', 'text', 'http', 'integrations'];

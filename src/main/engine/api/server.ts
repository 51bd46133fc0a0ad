import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { Ajv, type Options as AjvOptions, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import FindMyWay from 'find-my-way';
import fastJson from 'fast-json-stringify';
import type { Engine } from '../engine.ts';
import { domainErrorOf } from '../errors.ts';
import { errorBody, httpError } from './errors.ts';
import { authenticate } from './auth.ts';
import { openApiDocument } from './openapi.ts';
import { workflowRoutes } from './routes/workflows.ts';
import { executeRoutes } from './routes/execute.ts';
import { runRoutes } from './routes/runs.ts';
import { approvalRoutes } from './routes/approvals.ts';
import { keyRoutes } from './routes/keys.ts';
import { secretRoutes } from './routes/secrets.ts';
import { settingsRoutes } from './routes/settings.ts';
import { integrationRoutes } from './routes/integrations.ts';
import { eventRoutes } from './routes/events.ts';
import { decideRoutes } from './routes/decide.ts';
import { generateRoutes } from './routes/generate.ts';
import { notifierRoutes, slackCallbackRoutes } from './routes/notifiers.ts';
import { mcpRoutes } from '../mcp/index.ts';
import { testRoutes } from './routes/test.ts';
import { workflowFileRoutes } from './routes/workflow-files.ts';
import { sessionRoutes } from './routes/session.ts';
import { consoleRoutes } from './routes/console.ts';
import { OutageLog } from './outage-log.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
// Not `import … from 'node:http'`: an ES import of node:http reads every export, and its lazy
// WebSocket ones load Node's bundled undici (~60 ms of start-up) that nothing here uses.
const { STATUS_CODES } = process.getBuiltinModule('node:http');

/** Request bodies larger than this are refused with 413 (workflow code is capped at 1 MB). */
export const BODY_LIMIT = 2 * 1024 * 1024;
const MAX_PARAM_LENGTH = 200;
/** How long after listening the routes marked compileAfterListen start compiling. */
const COMPILE_AFTER_LISTEN_DELAY_MS = 250;

/**
 * Errors Node's HTTP parser raises before Fastify sees a request (oversized headers, a malformed
 * request line): answered in the API's error envelope, then the connection is closed.
 */
function clientError(error: NodeJS.ErrnoException, socket: import('node:stream').Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'HEADERS_TOO_LARGE', 'The request headers are larger than the server accepts.']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'REQUEST_TIMEOUT', 'The request was not received in time.']
        : [400, 'BAD_REQUEST', 'The request is not valid HTTP.'];
  const body = JSON.stringify(errorBody(code, message));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

function makeAjv(options: AjvOptions): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false, ...options });
  addFormats(ajv);
  return ajv;
}

// Bodies are validated strictly: "0.5" is not a number. Query strings and path parameters only
// ever arrive as text, so they are coerced. The route schemas are ours and checked against JSON
// Schema's meta-schema in the test suites (`checkContract`); checking them again on every start
// cost each validator instance ~30-45 ms on its first request (compiling the meta-schema).
const bodyAjv = makeAjv({ coerceTypes: false, useDefaults: true, validateSchema: false });
const textAjv = makeAjv({ coerceTypes: true, useDefaults: true, validateSchema: false });
const contractAjv = makeAjv({});

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Scopes a key needs for the route; absent = public (no key). */
    scopes?: string[];
    /**
     * A token-protected HTML page (the browser decide page). Its form posts carry `Origin: null`
     * because the page sends no referrer, so a null Origin is accepted here and only here.
     */
    publicPage?: boolean;
    /**
     * The route's validators and its success answers' serializers are compiled once the server
     * listens, in idle turns, instead of on its first request: for the routes an agent calls first
     * after a start, whose first call would otherwise wait ~50 ms for the compiling.
     */
    compileAfterListen?: boolean;
  }
  interface FastifyInstance {
    /**
     * Every route as registered (HEAD twins included). The authorization suite checks that each
     * one has an access rule, so a new route cannot go in without someone deciding who may call it.
     */
    routeTable: readonly { method: string; url: string }[];
  }
}

export interface ApiServerOptions {
  /** Origins besides the server's own that may call the API (the Electron console's app:// origin). */
  extraOrigins?: string[];
  /** The built console (out/renderer) to serve at `/`; `vigil serve` sets it, the Electron shell does not. */
  rendererDir?: string;
  /** How long an unused MCP session lives (tests shorten it). */
  mcpSessionIdleMs?: number;
  /** The public origin (https://host[:port]) callers use beyond this machine; its Host and Origin are accepted. */
  publicUrl?: string;
  /** PEM certificate and key when the server speaks TLS itself. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /**
   * Hold the routes to their contract, as the test suites do. Every route schema must be valid
   * JSON Schema (checked against the meta-schema when the route is registered; without this the
   * request validators skip that check, see below). Every JSON answer is checked against its
   * declared schema before it is written, and fails (500, logged) when it does not fit: a field
   * the schema lacks, a null it does not allow. The serializer would silently drop the one and
   * write the other as "" or 0.
   */
  checkContract?: boolean;
}

export async function buildApiServer(engine: Engine, options: ApiServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.tls ? { https: { cert: options.tls.cert, key: options.tls.key } } : {}),
    logger: false,
    bodyLimit: BODY_LIMIT,
    return503OnClosing: true,
    forceCloseConnections: true,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH },
    // Requests the router cannot even match (a bad %-escape, an over-long path parameter) answer
    // in the same envelope as every other error.
    frameworkErrors: (error, _request, reply: FastifyReply) => {
      const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
      void reply
        .code(tooLong ? 414 : 400)
        .send(
          tooLong
            ? errorBody('URI_TOO_LONG', `A path parameter is longer than ${MAX_PARAM_LENGTH} characters.`)
            : errorBody('BAD_URL', 'The request path is not a valid URL (check its %-escapes).'),
        );
    },
    clientErrorHandler: clientError,
  });

  // Every route's methods are recorded so that a wrong method on a known path is a 405, not a 404.
  const knownRoutes = FindMyWay({ ignoreTrailingSlash: true });
  const routeTable: { method: string; url: string }[] = [];
  app.decorate('routeTable', routeTable);
  // "METHOD url" of the routes marked compileAfterListen, and their compiling, done after listen.
  const compiledAfterListen = new Set<string>();
  const compileLater: Array<() => void> = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      routeTable.push({ method, url: route.url });
      if (route.config?.compileAfterListen) compiledAfterListen.add(`${method} ${route.url}`);
      if (method === 'HEAD') continue;
      try {
        knownRoutes.on(method as 'GET', route.url, () => undefined);
      } catch {
        // A route registered twice for HEAD/GET pairs; the first registration is enough.
      }
    }
  });

  // JSON only: a text/plain body is a 415, not a string that fails validation somewhere else.
  app.removeContentTypeParser('text/plain');

  // Each route's validator is compiled on the route's first request: compiling all of them at
  // start-up was a tenth of the time before the first request could be served.
  app.setValidatorCompiler(({ schema, method, url, httpPart }) => {
    if (options.checkContract && !contractAjv.validateSchema(schema)) {
      throw new Error(`${method} ${url}: its ${httpPart ?? 'request'} schema is not valid JSON Schema: ${contractAjv.errorsText()}`);
    }
    const ajv = httpPart === 'body' ? bodyAjv : textAjv;
    let compiled: ValidateFunction | null = null;
    const compile = () => (compiled ??= ajv.compile(schema));
    const validate = (data: unknown): boolean => {
      const check = compile();
      const valid = check(data) as boolean;
      validate.errors = check.errors;
      return valid;
    };
    validate.errors = null as ValidateFunction['errors'];
    if (compiledAfterListen.has(`${method} ${url}`)) compileLater.push(compile);
    return validate;
  });

  // Answers are written by the schema their route declares (src/shared/api): a field it does not
  // name is left out. Compiled on first use too, for the same reason as the validators.
  app.setSerializerCompiler(({ schema, method, url, httpStatus }) => {
    let serialize: ((data: unknown) => string) | null = null;
    const compile = () => (serialize ??= fastJson(schema as Parameters<typeof fastJson>[0]));
    let check: ValidateFunction | null = null;
    if (compiledAfterListen.has(`${method} ${url}`) && String(httpStatus).startsWith('2')) compileLater.push(compile);
    return (data: unknown) => {
      if (options.checkContract) {
        check ??= contractAjv.compile(schema as object);
        if (!check(data)) {
          const problems = [...new Set((check.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`))];
          throw new Error(`${method} ${url} answered ${httpStatus} with a body its schema does not describe: ${problems.join('; ')}`);
        }
      }
      return compile()(data);
    };
  });

  // Before any route, so that every route is in the document.
  const openApi = openApiDocument(app);

  let ownOrigins: Set<string> = new Set();
  let ownHosts: Set<string> = new Set();
  let misdirected = '';
  app.addHook('onListen', async () => {
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    // The loopback names stay allowed beside a public URL: tools on this machine dial them, and no
    // DNS-rebinding page can send them (its requests carry its own host name).
    const loopback = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
    const scheme = options.tls ? 'https' : 'http';
    const publicUrl = options.publicUrl === undefined ? null : new URL(options.publicUrl);
    ownHosts = new Set([...loopback, ...(publicUrl ? [publicUrl.host] : [])]);
    ownOrigins = new Set([
      ...loopback.map((host) => `${scheme}://${host}`),
      ...(publicUrl ? [publicUrl.origin] : []),
      ...(options.extraOrigins ?? []),
    ]);
    misdirected = publicUrl
      ? `The Host header must be ${publicUrl.host} (or 127.0.0.1:${port} on this machine).`
      : 'The Host header must be 127.0.0.1:<port> or localhost:<port>.';
    // Not at once: whatever dials the server as soon as server.json appears (a health check, a tool
    // waiting for it) would wait for the first compile, the process's first ajv one (~30 ms).
    // Then one compile per turn, so a request that arrives meanwhile waits for one at most. A
    // route called before its turn compiles on that call, as any other.
    const next = () => {
      const compile = compileLater.shift();
      if (!compile) return;
      compile();
      setImmediate(next);
    };
    setTimeout(next, COMPILE_AFTER_LISTEN_DELAY_MS).unref();
  });

  // DNS-rebinding defence: a page on evil.example that resolves to 127.0.0.1 still sends its own
  // Host header, and a browser page on another origin sends its Origin.
  app.addHook('onRequest', async (request, reply) => {
    if (ownHosts.size > 0 && !ownHosts.has(request.headers.host ?? '')) {
      return reply
        .code(421)
        .send(errorBody('MISDIRECTED_REQUEST', misdirected));
    }
    const origin = request.headers.origin;
    const nullOriginAllowed = origin === 'null' && request.routeOptions.config.publicPage === true;
    if (origin !== undefined && !ownOrigins.has(origin) && !nullOriginAllowed) {
      return reply.code(403).send(errorBody('FORBIDDEN_ORIGIN', `Requests from the origin ${origin} are not allowed.`));
    }
    // Who is asking comes before what they ask: without a key, a malformed body is still a 401,
    // and nothing about the body's rules is revealed to a caller who may not call at all.
    const scopes = request.routeOptions.config.scopes;
    if (scopes) request.caller = authenticate(engine.keys, request, scopes);
  });

  /** 405 with the methods the path has, or 404. */
  const noRoute = (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? '/';
    const allowed = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((method) => knownRoutes.find(method as 'GET', path));
    if (allowed.length > 0) {
      return reply
        .code(405)
        .header('allow', allowed.join(', '))
        .send(errorBody('METHOD_NOT_ALLOWED', `${request.method} is not allowed here; use ${allowed.join(', ')}.`));
    }
    return reply.code(404).send(errorBody('NOT_FOUND', `No route ${request.method} ${path}.`, { resource: 'route', id: `${request.method} ${path}` }));
  };

  const outage = new OutageLog((line) => engine.log.error(line));
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    // A request that matches no route still has its body parsed before the not-found handler runs.
    // When that fails (broken JSON, too large), the answer is still that the route does not exist:
    // the body means nothing without one.
    if (request.is404) return noRoute(request, reply);
    const domain = domainErrorOf(error);
    if (domain) {
      if (domain.code === 'DATABASE_UNAVAILABLE') outage.refused(request.method, request.url, error.message);
      const { status, headers, body } = httpError(domain);
      return reply.code(status).headers(headers).send(body);
    }
    if (error.validation) {
      const problems = error.validation.map((issue) => ({
        field: `${error.validationContext ?? 'body'}${issue.instancePath.replace(/\//g, '.')}`.replace(/\.$/, ''),
        message: describeIssue(issue),
      }));
      return reply
        .code(422)
        .send(errorBody('VALIDATION_ERROR', `The request is not valid: ${problems.length} problem(s).`, { problems }));
    }
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return reply
          .code(413)
          .send(errorBody('PAYLOAD_TOO_LARGE', `Request bodies are limited to ${request.routeOptions.bodyLimit ?? BODY_LIMIT} bytes.`));
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return reply
          .code(415)
          .send(errorBody('UNSUPPORTED_MEDIA_TYPE', 'Send JSON with Content-Type: application/json.'));
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return reply.code(400).send(errorBody('INVALID_JSON', 'The body is empty but Content-Type says JSON.'));
    }
    if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
      return reply.code(400).send(errorBody('INVALID_JSON', `The body is not valid JSON: ${error.message}`));
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.code(error.statusCode).send(errorBody('BAD_REQUEST', error.message));
    }
    engine.log.error(`API ${request.method} ${request.url} failed: ${error.stack ?? error.message}`);
    return reply.code(500).send(errorBody('INTERNAL_ERROR', 'Vigil failed to handle this request; see its log.'));
  });

  app.setNotFoundHandler(noRoute);

  app.get('/v1/openapi.json', { schema: { hide: true } }, async () => openApi());
  app.get('/v1/health', { schema: { hide: true } }, async () => ({ data: { status: 'ok' }, meta: {} }));

  await app.register(workflowRoutes(engine.workflows));
  await app.register(executeRoutes(engine.execution));
  await app.register(testRoutes(engine.testRuns));
  await app.register(workflowFileRoutes(engine.workflows, engine.workflowImport));
  await app.register(runRoutes(engine.runs));
  await app.register(approvalRoutes(engine.approvals));
  await app.register(keyRoutes(engine.keys));
  await app.register(secretRoutes(engine.workflowSecrets));
  await app.register(settingsRoutes({ settings: engine.settings, secrets: engine.workflowSecrets, dataDir: engine.dataDir }));
  await app.register(integrationRoutes(engine.integrations, engine.testRuns));
  await app.register(eventRoutes(engine.bus, engine.keys));
  await app.register(decideRoutes(engine.approvals));
  await app.register(generateRoutes(engine.generation, engine.log));
  await app.register(notifierRoutes(engine.notifications));
  await app.register(slackCallbackRoutes(engine.notifications, engine.clock));
  await app.register(mcpRoutes({ services: engine, bus: engine.bus, keys: engine.keys }, { idleMs: options.mcpSessionIdleMs }));
  await app.register(sessionRoutes(engine.sessions));
  await app.register(consoleRoutes(options.rendererDir));
  return app;
}

function describeIssue(issue: { keyword: string; message?: string; params: Record<string, unknown> }): string {
  switch (issue.keyword) {
    case 'required':
      return `${String(issue.params.missingProperty)} is required`;
    case 'additionalProperties':
      return `unknown field ${String(issue.params.additionalProperty)}`;
    case 'const':
    case 'enum':
      return `must be one of the allowed values${issue.params.allowedValues ? `: ${(issue.params.allowedValues as unknown[]).join(', ')}` : ''}`;
    default:
      return issue.message ?? issue.keyword;
  }
}

/*
 * The widget playground: a local MCP Apps host.
 *   1. A tiny MCP client: Streamable HTTP, protocol 2026-07-28, stateless (every request carries
 *      its own version, capabilities and client info in params._meta; no session, no initialize).
 *   2. The host side of the MCP Apps postMessage bridge, for widgets rendered in a sandboxed
 *      iframe (allow-scripts only, so the widget gets an opaque origin and cannot reach this page).
 *   3. A window.openai emulation, injected into the widget before its own scripts, so the
 *      runtime's ChatGPT code path runs too.
 * Every event lands in the transcript and in window.__playground.transcript (for the browser tests).
 */
(() => {
  "use strict";

  const MCP_VERSION = "2026-07-28";
  const UI_PROTOCOL_VERSION = "2026-01-26";
  const UI_MIME_TYPE = "text/html;profile=mcp-app";
  const UI_EXTENSION = "io.modelcontextprotocol/ui";
  const HOST_INFO = { name: "targetdemo-playground", version: "1" };
  const REQUEST_META = {
    "io.modelcontextprotocol/protocolVersion": MCP_VERSION,
    "io.modelcontextprotocol/clientCapabilities": { extensions: { [UI_EXTENSION]: { mimeTypes: [UI_MIME_TYPE] } } },
    "io.modelcontextprotocol/clientInfo": HOST_INFO,
  };
  const NAME_BEARING = { "tools/call": "name", "prompts/get": "name", "resources/read": "uri" };
  const TEARDOWN_TIMEOUT_MS = 500;

  // The host's design tokens, handed to widgets in hostContext.styles.variables. Deliberately a
  // little different from base.css's fallbacks, so a test can tell host variables were applied.
  const HOST_VARIABLES = {
    light: {
      "--color-background-primary": "#ffffff",
      "--color-background-secondary": "#f4f4f4",
      "--color-text-primary": "#1a1a1a",
      "--color-text-secondary": "#595959",
      "--color-border-primary": "#cfcfcf",
      "--font-sans": 'system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif',
      "--border-radius-md": "8px",
    },
    dark: {
      "--color-background-primary": "#1a1a1a",
      "--color-background-secondary": "#262626",
      "--color-text-primary": "#f0f0f0",
      "--color-text-secondary": "#b0b0b0",
      "--color-border-primary": "#3a3a3a",
      "--font-sans": 'system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif',
      "--border-radius-md": "8px",
    },
  };

  const $ = (id) => document.getElementById(id);
  const ui = {
    connectForm: $("connect-form"),
    endpoint: $("endpoint"),
    status: $("connection-status"),
    toolForm: $("tool-form"),
    tool: $("tool"),
    description: $("tool-description"),
    fields: $("tool-fields"),
    formError: $("form-error"),
    callButton: $("call-button"),
    note: $("rehearsal-note"),
    widgetHost: $("widget-host"),
    resultJson: $("result-json"),
    transcript: $("transcript"),
  };

  const state = {
    endpoint: null,
    tools: [],
    fields: [],
    theme: matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light",
    hostMode: "mcp-apps",
    widget: null,
    rehearsal: null,
    resources: new Map(),
    maxHeight: null,
  };
  const transcript = [];

  /* ------------------------------------------------------------------ DOM helpers */

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value == null || value === false) continue;
      if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child != null && child !== false) node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }
  const pretty = (value) => JSON.stringify(value, null, 2);

  /* ------------------------------------------------------------------ transcript */

  function record(kind, summary, fields = {}) {
    const entry = { seq: transcript.length + 1, time: new Date().toISOString(), kind, summary, ...fields };
    transcript.push(entry);
    const item = el("li", { "data-kind": kind }, el("span", { class: "kind" }, kind), el("span", { class: "summary" }, summary));
    if (kind === "message") {
      item.append(
        el("br"),
        el("button", { type: "button", class: "btn btn-small", onclick: () => rehearse(entry.text) }, "Run as next tool call"),
      );
    }
    if (fields.detail !== undefined) {
      item.append(el("details", {}, el("summary", {}, "Details"), el("pre", {}, pretty(fields.detail))));
    }
    ui.transcript.append(item);
    item.scrollIntoView({ block: "nearest" });
    return entry;
  }

  /* ------------------------------------------------------------------ MCP client */

  // Header values must be visible ASCII; anything else travels as =?base64?…?= (spec, Mcp-Name).
  function headerValue(value) {
    if (/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(value)) return value;
    const bytes = new TextEncoder().encode(value);
    return `=?base64?${btoa(String.fromCharCode(...bytes))}?=`;
  }

  let rpcId = 0;
  async function rpc(method, params = {}) {
    const id = ++rpcId;
    const body = { jsonrpc: "2.0", id, method, params: { ...params, _meta: { ...(params._meta || {}), ...REQUEST_META } } };
    const headers = {
      "Content-Type": "application/json",
      Accept: "application/json, text/event-stream",
      "MCP-Protocol-Version": MCP_VERSION,
      "Mcp-Method": method,
    };
    if (NAME_BEARING[method]) headers["Mcp-Name"] = headerValue(String(params[NAME_BEARING[method]]));
    const response = await fetch(state.endpoint, { method: "POST", headers, body: JSON.stringify(body) });
    const type = response.headers.get("Content-Type") || "";
    let message;
    if (type.startsWith("text/event-stream")) message = await readSse(response, id, method);
    else if (type.includes("json")) message = await response.json();
    else throw new Error(`${method}: HTTP ${response.status} ${response.statusText} without a JSON-RPC body`);
    if (message.error) {
      throw Object.assign(new Error(`${method}: ${message.error.message} (${message.error.code})`), { rpcError: message.error });
    }
    return message.result;
  }

  // An SSE response may carry notifications before the final response with our id.
  async function readSse(response, id, method) {
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value.replace(/\r\n?/g, "\n");
        let end;
        while ((end = buffer.indexOf("\n\n")) !== -1) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame
            .split("\n")
            .filter((line) => line.startsWith("data:"))
            .map((line) => line.slice(5).replace(/^ /, ""))
            .join("\n");
          if (!data) continue;
          const message = JSON.parse(data);
          if (message.id === id && ("result" in message || "error" in message)) return message;
          if (message.method) record("server-notification", message.method, { detail: message.params });
        }
      }
    } finally {
      reader.cancel().catch(() => {});
    }
    throw new Error(`${method}: the event stream ended without a response`);
  }

  async function selectEndpoint(path) {
    state.endpoint = path;
    ui.endpoint.value = path;
    ui.status.textContent = `Connecting to ${path}…`;
    try {
      const discover = await rpc("server/discover");
      const info = (discover._meta && discover._meta["io.modelcontextprotocol/serverInfo"]) || {};
      record("connect", `${path}: ${info.name || "server"} ${info.version || ""}`.trim(), { endpoint: path, detail: discover });
      const tools = [];
      let cursor;
      do {
        const page = await rpc("tools/list", cursor ? { cursor } : {});
        tools.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor);
      state.tools = tools;
      record("tools-list", `${tools.length} tools: ${tools.map((t) => t.name).join(", ")}`, { detail: tools });
      ui.tool.replaceChildren(...tools.map((t) => el("option", { value: t.name }, t.title ? `${t.title} (${t.name})` : t.name)));
      ui.tool.disabled = ui.callButton.disabled = tools.length === 0;
      if (tools.length) selectTool(tools[0].name);
      ui.status.textContent = `Connected to ${path}`;
      return { discover, tools };
    } catch (error) {
      ui.status.textContent = `Could not connect to ${path}`;
      record("error", error.message);
      throw error;
    }
  }

  /* ------------------------------------------------------------------ argument form */

  // Reduce a property schema to one concrete shape: follow $ref, drop the null branch of Optional.
  function resolveSchema(schema, root, depth = 0) {
    let s = schema || {};
    if (depth > 8) return s;
    if (typeof s.$ref === "string" && s.$ref.startsWith("#/")) {
      const target = s.$ref.slice(2).split("/").reduce((node, key) => (node ? node[key] : undefined), root);
      const { $ref, ...rest } = s;
      return resolveSchema({ ...target, ...rest }, root, depth + 1);
    }
    const union = s.anyOf || s.oneOf;
    if (union) {
      const { anyOf, oneOf, ...rest } = s;
      const branch = union.map((b) => resolveSchema(b, root, depth + 1)).find((b) => b.type !== "null") || {};
      return { ...branch, ...rest };
    }
    if (Array.isArray(s.type)) return { ...s, type: s.type.find((t) => t !== "null") };
    return s;
  }

  function fieldKind(schema, root) {
    if (Array.isArray(schema.enum)) return "enum";
    if (["boolean", "integer", "number", "string"].includes(schema.type)) return schema.type;
    if (schema.type === "array" && resolveSchema(schema.items, root).type === "string") return "list";
    return "json";
  }

  function selectTool(name) {
    const tool = state.tools.find((t) => t.name === name);
    if (!tool) throw new Error(`No tool named ${name} on ${state.endpoint}`);
    ui.tool.value = name;
    ui.description.textContent = tool.description || "";
    ui.formError.textContent = "";
    const root = tool.inputSchema || {};
    const required = new Set(root.required || []);
    state.fields = Object.entries(root.properties || {}).map(([prop, raw]) => {
      const schema = resolveSchema(raw, root);
      return { name: prop, schema, kind: fieldKind(schema, root), required: required.has(prop) };
    });
    ui.fields.replaceChildren(...state.fields.map(renderField));
    if (state.rehearsal) {
      const target = state.fields.find((f) => f.kind === "string" && f.required) || state.fields.find((f) => f.kind === "string");
      if (target && !target.input.value) target.input.value = state.rehearsal;
    }
    return tool;
  }

  function renderField(field) {
    const id = `arg-${field.name}`;
    const helpId = `${id}-help`;
    const { schema } = field;
    const title = schema.title || field.name;
    const describedBy = schema.description || field.kind === "list" || field.kind === "json" ? helpId : null;
    const common = { id, name: field.name, required: field.required, "aria-describedby": describedBy };
    let input;
    if (field.kind === "boolean") {
      input = el("input", { ...common, type: "checkbox", required: false });
      input.checked = schema.default === true;
    } else if (field.kind === "enum") {
      const options = schema.enum.map((value, index) => el("option", { value: String(index) }, String(value)));
      input = el("select", common, field.required ? null : el("option", { value: "" }, "(not set)"), options);
      const index = schema.enum.indexOf(schema.default);
      input.value = index >= 0 ? String(index) : field.required ? "0" : "";
    } else if (field.kind === "list" || field.kind === "json") {
      input = el("textarea", { ...common, rows: 3 });
      if (schema.default !== undefined) input.value = field.kind === "list" ? schema.default.join("\n") : pretty(schema.default);
    } else {
      const numeric = field.kind === "integer" || field.kind === "number";
      input = el("input", {
        ...common,
        type: numeric ? "number" : "text",
        step: field.kind === "integer" ? "1" : numeric ? "any" : null,
        min: schema.minimum,
        max: schema.maximum,
        maxlength: schema.maxLength,
      });
      if (schema.default !== undefined && schema.default !== null) input.value = String(schema.default);
    }
    field.input = input;
    const help = [schema.description && schema.description.replace(/([^.!?])$/, "$1."), field.kind === "list" ? "One item per line." : null, field.kind === "json" ? "JSON." : null]
      .filter(Boolean)
      .join(" ");
    const label = el("label", { for: id }, title, field.required ? el("span", { class: "muted" }, " (required)") : null);
    return el(
      "div",
      { class: `field field-${field.kind}` },
      field.kind === "boolean" ? el("label", { for: id }, input, " ", title) : [label, input],
      help ? el("p", { id: helpId, class: "muted help" }, help) : null,
    );
  }

  function collectArguments() {
    const args = {};
    const errors = [];
    for (const field of state.fields) {
      const { input, kind, schema, name } = field;
      input.removeAttribute("aria-invalid");
      if (kind === "boolean") {
        if (input.checked || field.required || schema.default !== undefined) args[name] = input.checked;
        continue;
      }
      const raw = input.value;
      if (raw.trim() === "") {
        if (field.required) errors.push([field, "is required"]);
        continue;
      }
      try {
        if (kind === "enum") args[name] = schema.enum[Number(raw)];
        else if (kind === "integer" || kind === "number") {
          const value = Number(raw);
          if (!Number.isFinite(value) || (kind === "integer" && !Number.isInteger(value))) throw new Error(`must be ${kind === "integer" ? "a whole number" : "a number"}`);
          args[name] = value;
        } else if (kind === "list") args[name] = raw.split("\n").map((line) => line.trim()).filter(Boolean);
        else if (kind === "json") args[name] = JSON.parse(raw);
        else args[name] = raw;
      } catch (error) {
        errors.push([field, error instanceof SyntaxError ? "must be valid JSON" : error.message]);
      }
    }
    errors.forEach(([field]) => field.input.setAttribute("aria-invalid", "true"));
    if (errors.length) {
      ui.formError.textContent = errors.map(([field, problem]) => `${field.schema.title || field.name} ${problem}.`).join(" ");
      errors[0][0].input.focus();
      return null;
    }
    ui.formError.textContent = "";
    return args;
  }

  function prefill(args) {
    for (const field of state.fields) {
      if (!(field.name in args)) continue;
      const value = args[field.name];
      if (field.kind === "boolean") field.input.checked = Boolean(value);
      else if (field.kind === "enum") field.input.value = String(field.schema.enum.indexOf(value));
      else if (field.kind === "list") field.input.value = (value || []).join("\n");
      else if (field.kind === "json") field.input.value = pretty(value);
      else field.input.value = value == null ? "" : String(value);
    }
  }

  // Turn a widget's ui/message into the next step of a rehearsal: the human plays the model.
  function rehearse(text) {
    state.rehearsal = text;
    ui.note.hidden = false;
    ui.note.textContent = `Rehearsing the reply to: “${text}”. Pick the tool the model would call, check the arguments, then call it.`;
    if (state.tools.length) selectTool(ui.tool.value);
    ui.tool.focus();
  }

  /* ------------------------------------------------------------------ calling tools */

  const widgetUri = (tool) => (tool._meta && ((tool._meta.ui && tool._meta.ui.resourceUri) || tool._meta["openai/outputTemplate"])) || null;

  async function callTool(name, args = {}) {
    const tool = selectTool(name);
    prefill(args);
    state.rehearsal = null;
    ui.note.hidden = true;
    record("tool-call", `${name}(${JSON.stringify(args)})`, { name, arguments: args, source: "host", detail: args });
    const uri = widgetUri(tool);
    const session = uri ? mountWidget({ tool, uri, args, mode: state.hostMode }) : null;
    let result;
    try {
      result = await rpc("tools/call", { name, arguments: args });
    } catch (error) {
      record("error", error.message);
      if (session) session.cancel(error.message);
      throw error;
    }
    record("tool-result", `${name} → ${result.isError ? "error" : "ok"}`, { name, isError: Boolean(result.isError), detail: result });
    ui.resultJson.textContent = pretty(result);
    if (session) session.deliver(result);
    else ui.widgetHost.replaceChildren(el("p", { class: "muted" }, `${name} has no widget.`));
    return result;
  }

  async function readWidgetResource(uri) {
    if (!state.resources.has(uri)) {
      const read = rpc("resources/read", { uri }).then((result) => {
        const content = (result.contents || []).find((c) => c.uri === uri) || (result.contents || [])[0];
        if (!content) throw new Error(`resources/read ${uri} returned no contents`);
        if (content.mimeType !== UI_MIME_TYPE) record("warning", `${uri} has mimeType ${content.mimeType}, expected ${UI_MIME_TYPE}`);
        const html = content.text ?? new TextDecoder().decode(Uint8Array.from(atob(content.blob || ""), (c) => c.charCodeAt(0)));
        record("resource-read", `${uri} (${html.length} chars)`, { uri });
        return { html, csp: (content._meta && content._meta.ui && content._meta.ui.csp) || {} };
      });
      state.resources.set(uri, read);
      read.catch(() => state.resources.delete(uri));
    }
    return state.resources.get(uri);
  }

  /* ------------------------------------------------------------------ the widget frame */

  // The MCP Apps default CSP (a host MUST apply it when ui.csp is absent), widened by ui.csp.
  function contentSecurityPolicy(csp) {
    const domains = (list) => (Array.isArray(list) ? list.filter((d) => /^[\w*.:/-]+$/.test(d)).join(" ") : "");
    const resources = domains(csp.resourceDomains);
    return [
      "default-src 'none'",
      `script-src 'self' 'unsafe-inline' ${resources}`,
      `style-src 'self' 'unsafe-inline' ${resources}`,
      `img-src 'self' data: ${resources}`,
      `media-src 'self' data: ${resources}`,
      resources ? `font-src 'self' ${resources}` : null,
      `connect-src ${domains(csp.connectDomains) || "'none'"}`,
      csp.frameDomains ? `frame-src ${domains(csp.frameDomains)}` : null,
    ]
      .filter(Boolean)
      .map((directive) => directive.trim())
      .join("; ");
  }

  // Runs inside the widget frame, before the widget's own scripts, in ChatGPT mode only.
  function openAiShim(initialGlobals) {
    const globals = { ...initialGlobals };
    const pending = new Map();
    let nextId = 1;
    const post = (message) => window.parent.postMessage({ jsonrpc: "2.0", ...message }, "*");
    const call = (method, params) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        post({ id, method, params });
      });
    window.addEventListener("message", (event) => {
      const msg = event.data;
      if (event.source !== window.parent || !msg || msg.jsonrpc !== "2.0") return;
      if (msg.method === "openai/set_globals") {
        Object.assign(globals, msg.params.globals);
        window.dispatchEvent(new CustomEvent("openai:set_globals", { detail: { globals: msg.params.globals } }));
      } else if (msg.method === undefined && pending.has(msg.id)) {
        const { resolve, reject } = pending.get(msg.id);
        pending.delete(msg.id);
        if (msg.error) reject(new Error(msg.error.message));
        else resolve(msg.result);
      }
    });
    const api = {
      callTool: (name, args) => call("openai/callTool", { name, args }),
      sendFollowUpMessage: ({ prompt }) => call("openai/sendFollowUpMessage", { prompt }),
      openExternal: ({ href }) => call("openai/openExternal", { href }),
      setWidgetState: (widgetState) => {
        globals.widgetState = widgetState;
        return call("openai/setWidgetState", { state: widgetState });
      },
      requestDisplayMode: ({ mode }) => call("openai/requestDisplayMode", { mode }),
      notifyIntrinsicHeight: (height) => post({ method: "openai/notifyIntrinsicHeight", params: { height } }),
    };
    for (const key of Object.keys(globals)) Object.defineProperty(api, key, { enumerable: true, get: () => globals[key] });
    window.openai = api;
    document.addEventListener("DOMContentLoaded", () => post({ method: "openai/ready", params: {} }));
  }

  const scriptJson = (value) => JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
  const attr = (value) => value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

  function buildSrcdoc(html, csp, session) {
    let injected = `<meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(csp))}">`;
    if (session.mode === "openai") {
      const globals = {
        theme: state.theme,
        locale: navigator.language || "en-US",
        displayMode: "inline",
        maxHeight: state.maxHeight || 800,
        safeArea: { insets: { top: 0, bottom: 0, left: 0, right: 0 } },
        userAgent: { device: { type: "desktop" }, capabilities: { hover: true, touch: false } },
        toolInput: session.args,
        toolOutput: null,
        toolResponseMetadata: null,
        widgetState: null,
      };
      injected += `<script>(${openAiShim.toString()})(${scriptJson(globals)});</script>`;
    }
    const head = /<head(\s[^>]*)?>/i.exec(html);
    return head ? html.slice(0, head.index + head[0].length) + injected + html.slice(head.index + head[0].length) : injected + html;
  }

  function hostContext() {
    return {
      theme: state.theme,
      locale: navigator.language || "en-US",
      displayMode: "inline",
      availableDisplayModes: ["inline"],
      platform: "web",
      styles: { variables: HOST_VARIABLES[state.theme] },
      ...(state.maxHeight ? { containerDimensions: { maxHeight: state.maxHeight } } : {}),
    };
  }

  // The most height the host gives the widget (containerDimensions.maxHeight; ChatGPT's maxHeight).
  function setMaxHeight(px) {
    state.maxHeight = Number(px) > 0 ? Math.floor(Number(px)) : null;
    const session = state.widget;
    if (session && session.mode === "mcp-apps" && session.initialized) {
      const patch = { containerDimensions: state.maxHeight ? { maxHeight: state.maxHeight } : {} };
      session.notify("ui/notifications/host-context-changed", patch);
      record("host-context-changed", `max height ${state.maxHeight || "none"}`, { detail: patch });
    } else if (session && session.mode === "openai" && session.ready) {
      setGlobals(session, { maxHeight: state.maxHeight || 0 });
    }
  }

  function mountWidget({ tool, uri, args, mode }) {
    const previous = state.widget;
    const session = {
      tool, uri, args, mode,
      iframe: null,
      initialized: false,
      ready: false, // openai mode: the shim reported DOMContentLoaded
      result: null,
      resultSent: false,
      pending: new Map(),
      nextId: 1,
      lastSize: "",
      post(message) {
        if (this.iframe && this.iframe.contentWindow) this.iframe.contentWindow.postMessage({ jsonrpc: "2.0", ...message }, "*");
      },
      notify(method, params) {
        this.post({ method, params });
      },
      request(method, params) {
        return new Promise((resolve, reject) => {
          const id = `host-${this.nextId++}`;
          this.pending.set(id, { resolve, reject });
          this.post({ id, method, params });
        });
      },
      deliver(result) {
        this.result = result;
        flushResult(this);
      },
      cancel(reason) {
        this.cancelled = reason;
        if (this.initialized) this.notify("ui/notifications/tool-cancelled", { reason });
      },
    };
    state.widget = session;
    (async () => {
      if (previous) await teardown(previous);
      const { html, csp } = await readWidgetResource(uri);
      if (state.widget !== session) return;
      const iframe = el("iframe", { sandbox: "allow-scripts", title: `${tool.title || tool.name} widget`, "data-mode": mode });
      session.iframe = iframe;
      iframe.srcdoc = buildSrcdoc(html, csp, session);
      ui.widgetHost.replaceChildren(iframe);
      record("widget-mounted", `${uri} in ${mode === "openai" ? "ChatGPT (window.openai)" : "MCP Apps"} mode`, { uri, mode });
    })().catch((error) => record("error", `widget: ${error.message}`));
    return session;
  }

  async function teardown(session) {
    if (session.mode !== "mcp-apps" || !session.initialized) return;
    const timeout = new Promise((resolve) => setTimeout(resolve, TEARDOWN_TIMEOUT_MS));
    await Promise.race([session.request("ui/resource-teardown", { reason: "replaced" }).catch(() => {}), timeout]);
  }

  function flushResult(session) {
    if (!session.result || session.resultSent) return;
    if (session.mode === "mcp-apps" && session.initialized) {
      session.notify("ui/notifications/tool-result", session.result);
    } else if (session.mode === "openai" && session.ready) {
      setGlobals(session, { toolOutput: session.result.structuredContent ?? null, toolResponseMetadata: session.result._meta ?? null });
    } else {
      return;
    }
    session.resultSent = true;
    record("tool-result-sent", `result delivered to the widget (${session.mode})`, { mode: session.mode });
  }

  function setGlobals(session, globals) {
    session.notify("openai/set_globals", { globals });
    record("set-globals", Object.keys(globals).join(", "), { detail: globals });
  }

  function resize(session, height) {
    const px = Math.max(0, Math.ceil(Number(height) || 0));
    if (!px || String(px) === session.lastSize) return;
    session.lastSize = String(px);
    session.iframe.style.height = `${px}px`;
    record("size-changed", `height ${px}px`, { height: px });
  }

  async function proxyToolCall(session, name, args) {
    const tool = state.tools.find((t) => t.name === name);
    const visibility = tool && tool._meta && tool._meta.ui && tool._meta.ui.visibility;
    // A host MUST reject app calls to tools not visible to apps (MCP Apps, "Tool linkage").
    if (!tool || (Array.isArray(visibility) && !visibility.includes("app"))) {
      record("error", `widget called ${name}, which is not available to apps`);
      throw Object.assign(new Error(`Tool ${name} is not available to apps`), { code: -32602 });
    }
    record("tool-call", `${name}(${JSON.stringify(args)}) from the widget`, { name, arguments: args, source: "widget", detail: args });
    const result = await rpc("tools/call", { name, arguments: args || {} });
    record("tool-result", `${name} → ${result.isError ? "error" : "ok"} (to the widget)`, { name, isError: Boolean(result.isError), detail: result });
    return result;
  }

  const messageText = (content) =>
    (Array.isArray(content) ? content : [content])
      .filter((block) => block && block.type === "text")
      .map((block) => block.text)
      .join("\n");

  // Requests and notifications a widget may send, keyed by method. Returned values become results.
  const widgetHandlers = {
    "ui/initialize"(session, params) {
      record("widget-initialize", `${(params.appInfo && params.appInfo.name) || "app"} asks for protocol ${params.protocolVersion}`, { detail: params });
      return { protocolVersion: UI_PROTOCOL_VERSION, hostInfo: HOST_INFO, hostCapabilities: { openLinks: {}, serverTools: {}, logging: {} }, hostContext: hostContext() };
    },
    "ui/notifications/initialized"(session) {
      session.initialized = true;
      record("widget-initialized", "bridge handshake complete");
      session.notify("ui/notifications/tool-input", { arguments: session.args });
      record("tool-input-sent", JSON.stringify(session.args), { detail: session.args });
      if (session.cancelled) session.notify("ui/notifications/tool-cancelled", { reason: session.cancelled });
      flushResult(session);
    },
    "tools/call": (session, params) => proxyToolCall(session, params.name, params.arguments),
    "ui/message"(session, params) {
      const text = messageText(params.content);
      record("message", text, { text, role: params.role, via: "ui/message", detail: params });
      return {};
    },
    "ui/update-model-context"(session, params) {
      record("model-context", messageText(params.content || []) || "(structured content only)", { detail: params });
      return {};
    },
    "ui/open-link"(session, params) {
      record("open-link", `${params.url} (not opened: the playground only records links)`, { url: params.url });
      return {};
    },
    "ui/request-display-mode": () => ({ mode: "inline" }),
    "ui/notifications/size-changed": (session, params) => resize(session, params.height),
    "notifications/message": (session, params) => record("log", String(params.data), { detail: params }),
    "ui/log": (session, params) => record("log", String(params.data), { detail: params }),
    ping: () => ({}),

    "openai/ready"(session) {
      session.ready = true;
      record("widget-initialized", "window.openai emulation ready");
      flushResult(session);
    },
    "openai/callTool": (session, params) => proxyToolCall(session, params.name, params.args),
    "openai/sendFollowUpMessage"(session, params) {
      record("message", params.prompt, { text: params.prompt, role: "user", via: "sendFollowUpMessage" });
      return null;
    },
    "openai/openExternal"(session, params) {
      record("open-link", `${params.href} (not opened: the playground only records links)`, { url: params.href });
      return null;
    },
    "openai/setWidgetState"(session, params) {
      record("widget-state", JSON.stringify(params.state), { detail: params.state });
      return null;
    },
    "openai/requestDisplayMode": () => ({ mode: "inline" }),
    "openai/notifyIntrinsicHeight": (session, params) => resize(session, params.height),
  };

  window.addEventListener("message", async (event) => {
    const session = state.widget;
    const msg = event.data;
    // Only the current widget frame may talk to us; its origin is opaque ("null"), so match the window.
    if (!session || !session.iframe || event.source !== session.iframe.contentWindow) return;
    if (!msg || msg.jsonrpc !== "2.0") return;
    if (msg.method === undefined) {
      const call = session.pending.get(msg.id);
      if (call) {
        session.pending.delete(msg.id);
        call.resolve(msg.result);
      }
      return;
    }
    const handler = widgetHandlers[msg.method];
    if (msg.id === undefined) {
      if (handler) handler(session, msg.params || {});
      return;
    }
    if (!handler) {
      record("warning", `unsupported widget request ${msg.method}`);
      session.post({ id: msg.id, error: { code: -32601, message: `Method not found: ${msg.method}` } });
      return;
    }
    try {
      session.post({ id: msg.id, result: await handler(session, msg.params || {}) });
    } catch (error) {
      session.post({ id: msg.id, error: { code: error.code || -32603, message: error.message } });
    }
  });

  /* ------------------------------------------------------------------ toggles */

  function setTheme(theme) {
    state.theme = theme === "dark" ? "dark" : "light";
    document.documentElement.dataset.theme = state.theme;
    document.querySelector(`input[name=theme][value=${state.theme}]`).checked = true;
    const session = state.widget;
    if (session && session.mode === "mcp-apps" && session.initialized) {
      const patch = { theme: state.theme, styles: { variables: HOST_VARIABLES[state.theme] } };
      session.notify("ui/notifications/host-context-changed", patch);
      record("host-context-changed", `theme ${state.theme}`, { detail: patch });
    } else if (session && session.mode === "openai" && session.ready) {
      setGlobals(session, { theme: state.theme });
    }
  }

  // Switching mode re-mounts the current widget with the same call, so both code paths can be compared.
  function setHostMode(mode) {
    state.hostMode = mode === "openai" ? "openai" : "mcp-apps";
    document.querySelector(`input[name=host-mode][value=${state.hostMode}]`).checked = true;
    const previous = state.widget;
    if (previous && previous.mode !== state.hostMode) {
      const session = mountWidget({ tool: previous.tool, uri: previous.uri, args: previous.args, mode: state.hostMode });
      if (previous.result) session.deliver(previous.result);
    }
  }

  function clearTranscript() {
    transcript.length = 0;
    ui.transcript.replaceChildren();
  }

  /* ------------------------------------------------------------------ wiring */

  ui.connectForm.addEventListener("submit", (event) => {
    event.preventDefault();
    selectEndpoint(ui.endpoint.value).catch(() => {});
  });
  ui.tool.addEventListener("change", () => selectTool(ui.tool.value));
  ui.toolForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const args = collectArguments();
    if (args) callTool(ui.tool.value, args).catch(() => {});
  });
  document.querySelectorAll("input[name=theme]").forEach((radio) => radio.addEventListener("change", () => setTheme(radio.value)));
  document.querySelectorAll("input[name=host-mode]").forEach((radio) => radio.addEventListener("change", () => setHostMode(radio.value)));
  $("clear-transcript").addEventListener("click", clearTranscript);
  setTheme(state.theme);

  // The browser tests drive the page through this, deterministically.
  window.__playground = {
    transcript,
    selectEndpoint,
    selectTool,
    callTool,
    prefill,
    rehearse,
    setTheme,
    setHostMode,
    setMaxHeight,
    clearTranscript,
    get tools() {
      return state.tools;
    },
    get theme() {
      return state.theme;
    },
    get hostMode() {
      return state.hostMode;
    },
    frame: () => (state.widget ? state.widget.iframe : null),
    widget: () =>
      state.widget && { mode: state.widget.mode, initialized: state.widget.initialized || state.widget.ready, resultSent: state.widget.resultSent },
  };
})();

/*
 * Widget runtime: inlined into every widget at <!-- mcp:widget-runtime --> when the engine serves
 * it. It hides the two host dialects behind one small global, `Widget`:
 *   - MCP Apps hosts (Claude, VS Code, Goose, ChatGPT, the /playground/): JSON-RPC over postMessage
 *     to window.parent, protocol "2026-01-26".
 *   - ChatGPT's `window.openai` object, preferred when present because it also persists widget state.
 * It also gives every widget the same client for actions through the host (Widget.act: a tool call
 * with an idempotency key) and for the app's own API (Widget.post: idempotency keys, bounded
 * retries, error text), and builders for the markup widgets share.
 * It also reports the widget's impression and interactions (Widget.track) to the app, batched.
 * Everything is event-driven: nothing polls; the only timers are the pause before an API retry and
 * the short wait that gathers events into a batch.
 * Data only ever arrives through tool results. Widget-facing API: docs/widgets.md.
 */
(() => {
  "use strict";

  const PROTOCOL_VERSION = "2026-01-26";
  const openai = window.openai;
  const root = document.documentElement;

  const listeners = { result: [], input: [], cancel: [], context: [] };
  let result = null;
  let input = null;
  let inputPartial = false;
  let context = { theme: null, locale: navigator.language || "en-US", displayMode: "inline" };
  let state = null;

  const emit = (kind, ...args) => listeners[kind].forEach((cb) => cb(...args));
  const subscribe = (kind, current, details = () => undefined) => (cb) => {
    listeners[kind].push(cb);
    // Late subscribers still see what already arrived: widget code may run after the result.
    if (current() != null) cb(current(), details());
  };

  function normalizeResult(raw) {
    const r = raw || {};
    return {
      structuredContent: r.structuredContent ?? null,
      content: Array.isArray(r.content) ? r.content : [],
      meta: r._meta ?? r.meta ?? {},
      isError: Boolean(r.isError),
    };
  }

  function setResult(raw) {
    result = normalizeResult(raw);
    emit("result", result);
    noteResult(result.meta);
  }

  function setInput(args, partial) {
    input = args || {};
    inputPartial = partial;
    emit("input", input, { partial });
  }

  /* ---------- theme, locale, host CSS variables ---------- */

  let fontStyle = null;
  function applyContext(patch) {
    context = { ...context, ...patch };
    if (context.theme) {
      root.dataset.theme = context.theme;
      root.style.colorScheme = context.theme;
    }
    if (context.locale) root.lang = context.locale;
    if (context.displayMode) root.dataset.displayMode = context.displayMode;
    // The most the host will give us (MCP Apps' containerDimensions, ChatGPT's maxHeight): taller
    // content scrolls inside the widget, and the size we report stays within it.
    const dims = context.containerDimensions || {};
    const maxHeight = Number(dims.maxHeight ?? dims.height ?? context.maxHeight);
    if (maxHeight > 0) {
      root.style.setProperty("--widget-max-height", `${maxHeight}px`);
      root.dataset.bounded = "";
    } else {
      delete root.dataset.bounded;
    }
    const styles = patch.styles || {};
    for (const [name, value] of Object.entries(styles.variables || {})) {
      // Only custom properties: a host must not be able to restyle arbitrary properties here.
      if (name.startsWith("--") && typeof value === "string") root.style.setProperty(name, value);
    }
    if (styles.css && typeof styles.css.fonts === "string") {
      fontStyle = fontStyle || document.head.appendChild(document.createElement("style"));
      fontStyle.textContent = styles.css.fonts;
    }
    emit("context", context);
  }

  /* ---------- size reporting (the host sizes the iframe to our content) ---------- */

  function watchSize(report) {
    if (typeof ResizeObserver !== "function") return;
    let last = "";
    new ResizeObserver(() => {
      const rect = root.getBoundingClientRect();
      const size = { width: Math.ceil(rect.width), height: Math.ceil(rect.height) };
      const key = `${size.width}x${size.height}`;
      if (key !== last) {
        last = key; // a host that resizes us must not cause an echo loop
        report(size);
      }
    }).observe(root);
  }

  /* ---------- events: batched to the app, never in the widget's way ---------- */

  // A tool result's _meta.analytics names where events go, the shopper's pseudonym and the variant.
  // Events wait in memory until then, and go in batches a moment apart (or when the frame is
  // hidden). A failed send is dropped: events must never slow, retry against, or break a widget.
  const EVENT_BATCH = 20;
  const EVENT_DELAY_MS = 1000;
  const EVENT_QUEUE_MAX = 100;
  const eventQueue = [];
  let analytics = null;
  let eventTimer = null;
  let impressed = false;

  const shortText = (value, max) => (typeof value === "string" ? value.slice(0, max) : "");

  function noteResult(meta) {
    const tag = meta && meta.analytics;
    if (!tag || typeof tag.endpoint !== "string" || !/^https?:\/\//.test(tag.endpoint)) return;
    analytics = {
      endpoint: tag.endpoint,
      shopper: shortText(tag.shopper, 32),
      widget: shortText(tag.widget, 64) || root.dataset.widget || "widget",
      experiment: shortText(tag.experiment, 40),
      variant: shortText(tag.variant, 40),
    };
    if (!impressed) {
      impressed = true;
      // The result's listeners have just built the DOM: time since this frame started loading.
      queueEvent({ type: "impression", renderMs: Math.round(performance.now()) });
    }
    scheduleSend();
  }

  function queueEvent(event) {
    if (eventQueue.length >= EVENT_QUEUE_MAX) eventQueue.shift();
    eventQueue.push({ ...event, at: performance.now() });
    scheduleSend();
  }

  function scheduleSend() {
    if (!analytics || !eventQueue.length) return;
    if (eventQueue.length >= EVENT_BATCH) sendEvents();
    else if (eventTimer === null) eventTimer = setTimeout(sendEvents, EVENT_DELAY_MS);
  }

  function sendEvents() {
    clearTimeout(eventTimer);
    eventTimer = null;
    if (!analytics || !eventQueue.length) return;
    const now = performance.now();
    const { endpoint, shopper, widget, experiment, variant } = analytics;
    const events = eventQueue.splice(0, EVENT_BATCH).map(({ at, ...event }) => ({
      widget, experiment, variant, ...event, ageMs: Math.max(0, Math.round(now - at)),
    }));
    try {
      // keepalive: a batch sent as the frame goes away still arrives.
      fetch(endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ shopper, events }),
        keepalive: true,
      }).catch(() => {});
    } catch {
      // No fetch, or a CSP that forbids it: nothing to report to.
    }
    scheduleSend();
  }

  function track(action, target) {
    try {
      const event = { type: "interaction", action: String(action) };
      if (target != null && target !== "") event.target = String(target).slice(0, 64);
      queueEvent(event);
    } catch {
      // Never let an event break the widget.
    }
  }

  document.addEventListener("visibilitychange", () => document.visibilityState === "hidden" && sendEvents());
  window.addEventListener("pagehide", sendEvents);

  /* ---------- host adapters: each provides call/message/context/link/state ---------- */

  function openAiAdapter() {
    const readContext = (g) => {
      const patch = {};
      for (const key of ["theme", "locale", "displayMode", "maxHeight", "safeArea", "userAgent"]) {
        if (g[key] !== undefined) patch[key] = g[key];
      }
      return patch;
    };
    // ChatGPT's structured widget state: modelContent is shown to the model, privateContent is not.
    const readState = (ws) => (ws && typeof ws === "object" && "privateContent" in ws ? ws.privateContent : ws);
    let modelContent = openai.widgetState && openai.widgetState.modelContent;
    state = readState(openai.widgetState) ?? null;
    const saveState = () => openai.setWidgetState({ modelContent: modelContent ?? null, privateContent: state });

    applyContext(readContext(openai));
    if (openai.toolInput != null) setInput(openai.toolInput, false);
    if (openai.toolOutput != null || openai.toolResponseMetadata != null) {
      setResult({ structuredContent: openai.toolOutput, _meta: openai.toolResponseMetadata });
    }

    window.addEventListener("openai:set_globals", (event) => {
      const globals = (event.detail && event.detail.globals) || {};
      if ("toolInput" in globals) setInput(globals.toolInput, false);
      if ("toolOutput" in globals || "toolResponseMetadata" in globals) {
        setResult({ structuredContent: openai.toolOutput, _meta: openai.toolResponseMetadata });
      }
      if ("widgetState" in globals) state = readState(globals.widgetState) ?? null;
      const patch = readContext(globals);
      if (Object.keys(patch).length) applyContext(patch);
    });

    if (typeof openai.notifyIntrinsicHeight === "function") {
      watchSize(({ height }) => openai.notifyIntrinsicHeight(height));
    }

    return {
      host: "openai",
      callTool: async (name, args) => normalizeResult(await openai.callTool(name, args || {})),
      sendMessage: (text) => openai.sendFollowUpMessage({ prompt: text }),
      updateModelContext: ({ text, structuredContent } = {}) => {
        modelContent = { text: text ?? null, structuredContent: structuredContent ?? null };
        return saveState();
      },
      openLink: (url) => openai.openExternal({ href: url }),
      saveState,
    };
  }

  function mcpAppsAdapter() {
    const pending = new Map();
    let nextId = 1;
    // The host's origin is unknowable from inside a sandboxed (opaque-origin) frame, so we post with
    // "*" and instead only accept messages whose source is our parent window.
    const post = (message) => window.parent.postMessage({ jsonrpc: "2.0", ...message }, "*");
    const send = (method, params) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        post({ id, method, params });
      });
    const notify = (method, params) => post({ method, params });

    const hostRequests = {
      "ui/resource-teardown": () => ({}),
      ping: () => ({}),
    };
    const hostNotifications = {
      "ui/notifications/tool-input": (p) => setInput(p.arguments, false),
      "ui/notifications/tool-input-partial": (p) => setInput(p.arguments, true),
      "ui/notifications/tool-result": (p) => setResult(p),
      "ui/notifications/tool-cancelled": (p) => emit("cancel", p.reason ?? null),
      "ui/notifications/host-context-changed": (p) => applyContext(p),
    };

    window.addEventListener("message", (event) => {
      const msg = event.data;
      if (event.source !== window.parent || !msg || msg.jsonrpc !== "2.0") return;
      if (msg.method === undefined) {
        const call = pending.get(msg.id);
        if (!call) return;
        pending.delete(msg.id);
        if (msg.error) call.reject(Object.assign(new Error(msg.error.message), { code: msg.error.code }));
        else call.resolve(msg.result);
      } else if (msg.id !== undefined) {
        const handler = hostRequests[msg.method];
        if (handler) post({ id: msg.id, result: handler(msg.params || {}) });
        else post({ id: msg.id, error: { code: -32601, message: `Method not found: ${msg.method}` } });
      } else if (hostNotifications[msg.method]) {
        hostNotifications[msg.method](msg.params || {});
      }
    });

    // Requests wait for the handshake: the host may not answer anything before it.
    const ready = send("ui/initialize", {
      protocolVersion: PROTOCOL_VERSION,
      appInfo: { name: root.dataset.widget || document.title || "widget", version: "1" },
      appCapabilities: { availableDisplayModes: ["inline"] },
    }).then((init) => {
      applyContext((init && init.hostContext) || {});
      notify("ui/notifications/initialized", {});
      watchSize((size) => notify("ui/notifications/size-changed", size));
    });
    const request = (method, params) => ready.then(() => send(method, params));

    return {
      host: "mcp-apps",
      callTool: async (name, args) => normalizeResult(await request("tools/call", { name, arguments: args || {} })),
      sendMessage: (text) => request("ui/message", { role: "user", content: [{ type: "text", text }] }),
      updateModelContext: ({ text, structuredContent } = {}) => {
        const params = {};
        if (text != null) params.content = [{ type: "text", text }];
        if (structuredContent != null) params.structuredContent = structuredContent;
        return request("ui/update-model-context", params);
      },
      openLink: (url) => request("ui/open-link", { url }),
      // MCP Apps has no widget-state message, and a sandboxed srcdoc frame has no storage:
      // state lives for the lifetime of this frame only.
      saveState: () => Promise.resolve(),
    };
  }

  function standaloneAdapter() {
    // Opened directly (no host): render nothing-from-nowhere, reject host calls clearly.
    const unavailable = () => Promise.reject(new Error("No MCP Apps host or window.openai present"));
    return {
      host: "none",
      callTool: unavailable,
      sendMessage: unavailable,
      updateModelContext: unavailable,
      openLink: unavailable,
      saveState: () => Promise.resolve(),
    };
  }

  const adapter = openai ? openAiAdapter() : window.parent !== window ? mcpAppsAdapter() : standaloneAdapter();

  /* ---------- DOM helper: text and attributes only, never HTML parsing ---------- */

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value == null || value === false) continue;
      if (name.startsWith("on") && typeof value === "function") {
        node.addEventListener(name.slice(2).toLowerCase(), value);
      } else {
        node.setAttribute(name, value === true ? "" : String(value));
      }
    }
    for (const child of children.flat(Infinity)) {
      if (child == null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const priceFormats = new Map();
  function formatPrice(amount, currency = "USD") {
    const key = `${context.locale}|${currency}`;
    if (!priceFormats.has(key)) {
      priceFormats.set(key, new Intl.NumberFormat(context.locale || undefined, { style: "currency", currency }));
    }
    // Prices travel as decimal strings ("19.99") so the server never rounds through floats.
    return priceFormats.get(key).format(Number(amount));
  }

  /* ---------- the app's own API: one client for every widget ---------- */

  // Pauses before the second and third attempt of an idempotent POST.
  const RETRY_DELAYS_MS = [500, 1500];
  // A server asking for a longer pause gets the shopper's decision instead of a spinner.
  const MAX_RETRY_AFTER_MS = 5000;
  const UNREACHABLE = "We couldn't connect. Check your connection and try again.";
  const UNREACHABLE_IDEMPOTENT = "We couldn't connect. Check your connection and try again; it won't go through twice.";
  const BUSY = "This is taking longer than it should. Please try again in a moment.";

  // Idempotency-Key of each POST (url and body) that got no definite answer, so that trying the same
  // request again, by retry or by the shopper, can never do it twice. A definite answer clears it.
  const unansweredKeys = new Map();

  const newKey = () =>
    typeof crypto.randomUUID === "function"
      ? crypto.randomUUID()
      : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");

  function retryAfterMs(response) {
    const value = response.headers.get("Retry-After");
    if (value == null || value.trim() === "") return null;
    const seconds = Number(value);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(value);
    return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
  }

  // An API error body is {"error": {"code", "message", "field"}}; its message is written for the shopper.
  function failure(status, body) {
    const error = body && typeof body.error === "object" && body.error ? body.error : {};
    const fallback = status >= 500 || status === 429 ? BUSY : `That didn't work (error ${status}). Please try again.`;
    return {
      ok: false,
      status,
      error: {
        code: typeof error.code === "string" ? error.code : `http_${status}`,
        message: typeof error.message === "string" && error.message ? error.message : fallback,
        field: typeof error.field === "string" ? error.field : null,
      },
    };
  }

  async function post(url, body, { idempotent = false } = {}) {
    const payload = JSON.stringify(body ?? {});
    const request = `${url}\n${payload}`;
    const headers = { "Content-Type": "application/json" };
    if (idempotent) {
      headers["Idempotency-Key"] = unansweredKeys.get(request) || newKey();
      unansweredKeys.set(request, headers["Idempotency-Key"]);
    }
    const attempts = idempotent ? RETRY_DELAYS_MS.length + 1 : 1;
    for (let attempt = 1; ; attempt++) {
      let response = null;
      try {
        response = await fetch(url, { method: "POST", headers, body: payload });
      } catch {
        // No answer at all: offline, refused, or blocked by CORS or CSP.
      }
      let outcome;
      let pause = RETRY_DELAYS_MS[attempt - 1];
      if (response) {
        const data = await response.json().catch(() => null);
        outcome = response.ok ? { ok: true, status: response.status, data: data ?? {} } : failure(response.status, data);
        if (response.status < 500 && response.status !== 429) {
          unansweredKeys.delete(request);
          return outcome;
        }
        pause = retryAfterMs(response) ?? pause;
      } else {
        const message = idempotent ? UNREACHABLE_IDEMPOTENT : UNREACHABLE;
        outcome = { ok: false, status: 0, error: { code: "unreachable", message, field: null } };
      }
      if (attempt >= attempts || pause > MAX_RETRY_AFTER_MS) return outcome;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  /* ---------- actions through the host: tools the widget calls with tools/call ---------- */

  // An action (a tool declared for apps, e.g. visibility ["app"]) that changes something: it gets
  // an idempotencyKey argument, kept until a definite answer, so trying again never does it twice.
  // Answers like post(): {ok, data} with the structuredContent, or {ok: false, error: {message}}.
  async function act(name, args) {
    const request = `tools/call ${name}\n${JSON.stringify(args ?? {})}`;
    const key = unansweredKeys.get(request) || newKey();
    unansweredKeys.set(request, key);
    let result;
    try {
      result = await adapter.callTool(name, { ...(args || {}), idempotencyKey: key });
    } catch {
      // The host refused the call or could not reach the server: no definite answer, keep the key.
      return { ok: false, status: 0, error: { code: "unreachable", message: UNREACHABLE_IDEMPOTENT, field: null } };
    }
    unansweredKeys.delete(request);
    if (result.isError) {
      const text = result.content.find((block) => block && block.type === "text");
      const message = text && text.text ? String(text.text) : BUSY;
      return { ok: false, status: 0, error: { code: "tool_error", message, field: null } };
    }
    return { ok: true, status: 200, data: result.structuredContent ?? {} };
  }

  /* ---------- shared markup: sections, order summaries, addresses ---------- */

  let sectionCount = 0;
  function section(title, ...children) {
    const id = `section-${++sectionCount}`;
    return el("section", { class: "section", "aria-labelledby": id }, el("h2", { id }, title), ...children);
  }

  function summary(rows, total) {
    const row = ([label, value], cls) => [el("dt", { class: cls }, label), el("dd", { class: cls }, value)];
    return el("dl", { class: "summary" }, rows.map((entry) => row(entry, null)), total ? row(total, "total") : null);
  }

  function address(lines, empty = "") {
    const parts = Array.isArray(lines) && lines.length ? lines.map(String) : [empty];
    return el("address", {}, parts.flatMap((line, index) => (index ? [el("br"), line] : [line])));
  }

  window.Widget = Object.freeze({
    host: adapter.host,
    onResult: subscribe("result", () => result),
    onInput: subscribe("input", () => input, () => ({ partial: inputPartial })),
    onCancel: (cb) => void listeners.cancel.push(cb),
    onContext: subscribe("context", () => context),
    get context() {
      return context;
    },
    get state() {
      return state;
    },
    set state(value) {
      state = value;
      adapter.saveState();
    },
    callTool: (name, args) => adapter.callTool(name, args),
    act,
    sendMessage: (text) => adapter.sendMessage(String(text)),
    updateModelContext: (update) => adapter.updateModelContext(update),
    openLink: (url) => adapter.openLink(String(url)),
    track,
    formatPrice,
    el,
    post,
    section,
    summary,
    address,
  });
})();

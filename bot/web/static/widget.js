/*
 * The clinic's chat widget. Embed with one tag:
 *   <script src="https://chat.clinic.example/widget.js" defer data-server="https://chat.clinic.example"
 *           data-title="Lumen Skin Clinic" data-color="#0f5c63" data-lang="en"
 *           data-initial-message="hi"></script>
 * Plain JavaScript with no dependencies. Nothing a bot or a patient writes is ever parsed as HTML:
 * every node is built with createElement/textContent, and links are checked to be http(s), mailto
 * or tel before they become <a> elements.
 */
(function () {
  "use strict";

  const script = document.currentScript;
  if (!script || window.__clinicChatWidget) return;
  window.__clinicChatWidget = true;

  const STRINGS = {
    en: {
      open: "Chat with {title}", close: "Close chat", clear: "Clear this conversation",
      clearQuestion: "Clear this conversation from this browser? This cannot be undone.",
      clearYes: "Clear", clearNo: "Keep it", cleared: "Conversation cleared.", subtitle: "Virtual assistant",
      callNow: "Call {number} now", emergency: "Emergency.",
      inputLabel: "Type your message", placeholder: "Type your message…", send: "Send",
      typing: "The assistant is typing", reconnecting: "Connection lost — reconnecting…",
      reconnected: "Connected again.", suggestions: "Suggested questions", replies: "Quick replies",
      you: "You", bot: "Assistant", tooLong: "That message is {length} characters long; please keep it under {max} and send it again.",
      failed: "Sorry, that message could not be sent.",
      slowDown: "That's a lot of messages at once; I'll send yours in a moment.",
    },
    de: {
      open: "Chat mit {title}", close: "Chat schließen", clear: "Dieses Gespräch löschen",
      clearQuestion: "Dieses Gespräch aus diesem Browser löschen? Das lässt sich nicht rückgängig machen.",
      clearYes: "Löschen", clearNo: "Behalten", cleared: "Gespräch gelöscht.", subtitle: "Virtueller Assistent",
      callNow: "Jetzt {number} anrufen", emergency: "Notfall.",
      inputLabel: "Ihre Nachricht", placeholder: "Ihre Nachricht…", send: "Senden",
      typing: "Der Assistent schreibt", reconnecting: "Verbindung unterbrochen — wird wiederhergestellt…",
      reconnected: "Wieder verbunden.", suggestions: "Vorgeschlagene Fragen", replies: "Schnellantworten",
      you: "Sie", bot: "Assistent", tooLong: "Diese Nachricht hat {length} Zeichen; bitte kürzen Sie sie auf höchstens {max}.",
      failed: "Die Nachricht konnte leider nicht gesendet werden.",
      slowDown: "Das sind viele Nachrichten auf einmal; Ihre wird gleich gesendet.",
    },
  };
  const MAX_CHARS = 2000;
  const MAX_STORED_MESSAGES = 200;
  const REQUEST_TIMEOUT_MS = 35000;
  // A conversation left alone this long is gone from the browser (health answers must not linger).
  const EXPIRY_MS = 4 * 60 * 60 * 1000;

  // ---- configuration from the data- attributes -------------------------------------------
  const data = script.dataset;
  const scriptUrl = new URL(script.src, location.href);
  const server = (data.server || scriptUrl.origin).replace(/\/+$/, "");
  const lang = (data.lang || document.documentElement.lang || "en").slice(0, 2).toLowerCase();
  const t = STRINGS[lang] || STRINGS.en;
  const title = (data.title || "Chat").slice(0, 80);
  const subtitle = (data.subtitle || t.subtitle).slice(0, 80);
  const initialMessage = (data.initialMessage || "hi").slice(0, MAX_CHARS);
  const suggestions = (data.suggestions || "").split("|").map((s) => s.trim()).filter(Boolean).slice(0, 6);
  const accent = (data.color && CSS.supports("color", data.color)) ? data.color : "#0f5c63";
  const storeKey = "clinic-chat:v2:" + server;
  const format = (text, values) => text.replace(/\{(\w+)\}/g, (_, key) => values[key] ?? "");

  // ---- stored conversation: survives reloads and moving between pages of the site ----------
  // sessionStorage, not localStorage: it ends with the tab, so a shared computer does not keep a
  // patient's conversation for the next person. v1 kept it in localStorage: remove what is left.
  try {
    for (const key of Object.keys(localStorage)) {
      if (key.startsWith("clinic-chat:v1:")) localStorage.removeItem(key);
    }
  } catch (error) { /* storage disabled: nothing of ours there */ }

  function randomId() {
    // getRandomValues also works on plain-http pages, where crypto.randomUUID does not exist.
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // The session id and its token come from the server (POST /api/session) when the first message
  // is sent: it refuses ids it did not issue, so nobody can write into another patient's chat.
  function freshState() {
    return { sessionId: null, token: null, messages: [], queue: [], initialSent: false, open: false,
      savedAt: Date.now() };
  }

  const expired = (saved) => !(Date.now() - saved.savedAt < EXPIRY_MS);  // also when savedAt is missing

  function loadState() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(storeKey) || "null");
      // A conversation stored by an older widget has no token; the server would refuse it anyway.
      if (saved && typeof saved.sessionId === "string" && typeof saved.token === "string"
          && Array.isArray(saved.messages) && Array.isArray(saved.queue) && !expired(saved)) {
        return Object.assign(freshState(), saved);
      }
      sessionStorage.removeItem(storeKey);
    } catch (error) { /* unreadable or storage disabled: start afresh */ }
    return freshState();
  }

  let state = loadState();

  function saveState() {
    state.messages = state.messages.slice(-MAX_STORED_MESSAGES);
    state.savedAt = Date.now();  // every save is activity: the expiry counts from the last one
    try { sessionStorage.setItem(storeKey, JSON.stringify(state)); } catch (error) { /* private mode, full */ }
  }

  // ---- DOM helpers: text only, never HTML ---------------------------------------------------
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (name === "text") node.textContent = value;
      else if (value !== false && value != null) node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children || []) node.append(child);
    return node;
  }

  function icon(paths) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    for (const d of paths) {
      const path = document.createElementNS(ns, "path");
      path.setAttribute("d", d);
      svg.append(path);
    }
    return svg;
  }

  const ICONS = {
    chat: ["M4 5.5A2.5 2.5 0 0 1 6.5 3h11A2.5 2.5 0 0 1 20 5.5v8a2.5 2.5 0 0 1-2.5 2.5H10l-4.2 3.6A.5.5 0 0 1 5 19.2V16h0a2.5 2.5 0 0 1-1-2V5.5Z"],
    close: ["M6 6l12 12M18 6L6 18"],
    send: ["M4 12l16-8-6 16-2.5-6.5L4 12Z"],
    trash: ["M4 7h16M10 11v6M14 11v6M6 7l1 12a2 2 0 0 0 2 2h6a2 2 0 0 0 2-2l1-12M9 7V4h6v3"],
  };

  // ---- a tiny markdown subset: **bold**, lists, line breaks, links --------------------------
  const INLINE = /\*\*(.+?)\*\*|\[([^\]\n]+)\]\(([^)\s]+)\)|((?:https?:\/\/|mailto:|tel:)[^\s<>"]+)/g;

  function safeHref(raw) {
    try {
      const url = new URL(raw);
      return ["http:", "https:", "mailto:", "tel:"].includes(url.protocol) ? url.href : null;
    } catch (error) {
      return null;
    }
  }

  function link(label, href) {
    return el("a", { href, target: "_blank", rel: "noopener noreferrer", text: label });
  }

  function appendInline(parent, text) {
    let last = 0;
    for (const match of text.matchAll(INLINE)) {
      parent.append(text.slice(last, match.index));
      last = match.index + match[0].length;
      const [whole, bold, label, target, bare] = match;
      if (bold !== undefined) {
        const strong = el("strong");
        appendInline(strong, bold);
        parent.append(strong);
      } else if (label !== undefined) {
        const href = safeHref(target);
        parent.append(href ? link(label, href) : whole);
      } else {
        // A sentence's full stop or closing bracket is not part of a bare link.
        const trimmed = bare.replace(/[.,;:!?)\]]+$/, "");
        const href = safeHref(trimmed);
        parent.append(href ? link(trimmed.replace(/^(mailto|tel):/, ""), href) : trimmed);
        last -= bare.length - trimmed.length;
      }
    }
    parent.append(text.slice(last));
  }

  function renderRich(text) {
    const fragment = document.createDocumentFragment();
    let paragraph = null;
    let list = null;
    for (const line of String(text).split(/\r?\n/)) {
      const bullet = line.match(/^\s*[-*•]\s+(.*)$/);
      const numbered = line.match(/^\s*\d{1,3}[.)]\s+(.*)$/);
      if (bullet || numbered) {
        const tag = bullet ? "ul" : "ol";
        if (!list || list.tagName.toLowerCase() !== tag) {
          list = el(tag);
          fragment.append(list);
        }
        const item = el("li");
        appendInline(item, (bullet || numbered)[1]);
        list.append(item);
        paragraph = null;
      } else if (!line.trim()) {
        paragraph = null;
        list = null;
      } else {
        list = null;
        if (paragraph) paragraph.append(el("br"));
        else fragment.append((paragraph = el("p")));
        appendInline(paragraph, line);
      }
    }
    return fragment;
  }

  // ---- the widget's elements, in a shadow root so the clinic's CSS and ours never mix --------
  const host = el("div", { "data-clinic-chat": "" });
  host.style.setProperty("--chat-accent", accent);
  host.style.setProperty("--chat-on-accent", readableOn(accent));
  const root = host.attachShadow({ mode: "open" });
  const container = el("div", { class: "chat", hidden: true, lang });
  const stylesheet = el("link", { rel: "stylesheet", href: new URL("widget.css", scriptUrl).href });
  // Shown once styled, so the page never flashes unstyled buttons.
  // Until then nothing is laid out: the restored conversation is scrolled to its end once it is.
  stylesheet.addEventListener("load", () => { container.hidden = false; scrollToEnd(); });
  stylesheet.addEventListener("error", () => { container.hidden = false; });
  root.append(stylesheet, container);

  const ids = { panel: "chat-panel", title: "chat-title", input: "chat-input", confirm: "chat-confirm" };
  const launcher = el("button", {
    type: "button", class: "launcher", "aria-label": format(t.open, { title }),
    "aria-expanded": "false", "aria-controls": ids.panel,
  }, [icon(ICONS.chat), icon(ICONS.close)]);
  launcher.firstChild.classList.add("when-closed");
  launcher.lastChild.classList.add("when-open");
  const closeButton = el("button", { type: "button", class: "icon-button", "aria-label": t.close, title: t.close },
    [icon(ICONS.close)]);
  const clearButton = el("button", { type: "button", class: "icon-button", "aria-label": t.clear, title: t.clear,
    "aria-expanded": "false", "aria-controls": ids.confirm }, [icon(ICONS.trash)]);
  // Clearing cannot be undone, so it asks first: a mis-tap must not wipe a half-done intake.
  const confirmNo = el("button", { type: "button", class: "confirm-no", text: t.clearNo });
  const confirmYes = el("button", { type: "button", class: "confirm-yes", text: t.clearYes });
  const confirmBar = el("div", { id: ids.confirm, class: "confirm", role: "alertdialog",
    "aria-labelledby": ids.confirm + "-text", hidden: true }, [
    el("p", { id: ids.confirm + "-text", text: t.clearQuestion }),
    el("div", { class: "confirm-actions" }, [confirmNo, confirmYes]),
  ]);
  const log = el("div", { class: "messages", role: "log", "aria-live": "polite", "aria-relevant": "additions",
    "aria-label": title, tabindex: "0" });
  const typing = el("div", { class: "typing", role: "status", hidden: true }, [
    el("span", { class: "visually-hidden", text: t.typing }),
    el("span", { class: "dot", "aria-hidden": "true" }), el("span", { class: "dot", "aria-hidden": "true" }),
    el("span", { class: "dot", "aria-hidden": "true" }),
  ]);
  const status = el("div", { class: "status", role: "status", "aria-live": "polite" });
  const replies = el("div", { class: "replies", role: "group", hidden: true });
  // No maxlength: it would cut a pasted message silently. submit() refuses a long one and says why.
  const input = el("textarea", { id: ids.input, class: "input", rows: "1",
    placeholder: t.placeholder, autocomplete: "off", enterkeyhint: "send" });
  const sendButton = el("button", { type: "submit", class: "send", "aria-label": t.send, title: t.send },
    [icon(ICONS.send)]);
  const form = el("form", { class: "composer" }, [
    el("label", { for: ids.input, class: "visually-hidden", text: t.inputLabel }), input, sendButton,
  ]);
  const panel = el("section", { id: ids.panel, class: "panel", role: "dialog", "aria-modal": "false",
    "aria-labelledby": ids.title, hidden: true }, [
    el("header", { class: "header" }, [
      el("div", { class: "avatar", "aria-hidden": "true", text: title.trim().charAt(0).toUpperCase() }),
      el("div", { class: "heading" }, [
        el("h2", { id: ids.title, class: "title", text: title }),
        el("p", { class: "subtitle", text: subtitle }),
      ]),
      clearButton, closeButton,
    ]),
    confirmBar, log, typing, status, replies, form,
  ]);
  container.append(panel, launcher);

  function readableOn(color) {
    // Dark text on light brand colours, white on dark ones (WCAG relative luminance).
    const probe = el("span");
    probe.style.color = color;
    document.documentElement.append(probe);
    const rgb = getComputedStyle(probe).color.match(/\d+(\.\d+)?/g) || ["0", "0", "0"];
    probe.remove();
    const [r, g, b] = rgb.slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.4 ? "#14202a" : "#ffffff";
  }

  // ---- rendering the conversation -------------------------------------------------------------
  function messageNode(message) {
    const who = message.from === "user" ? t.you : t.bot;
    const bubble = el("div", { class: "bubble" });
    if (message.from === "bot") bubble.append(renderRich(message.text || ""));
    else bubble.textContent = message.text;
    const emergency = message.from === "bot" && message.alert === "emergency";
    if (emergency && /^\+?[0-9]{2,15}$/.test(message.call || "")) {
      // A phone in the patient's hand: one tap calls the emergency number.
      bubble.append(el("a", { class: "call-now", href: "tel:" + message.call, text: format(t.callNow, { number: message.call }) }));
    }
    const node = el("div", { class: "message from-" + message.from + (emergency ? " alert-emergency" : "") }, [
      el("span", { class: "visually-hidden", text: (emergency ? t.emergency + " " : "") + who + ": " }), bubble,
    ]);
    if (emergency) node.setAttribute("role", "alert");
    return node;
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function renderHistory() {
    log.replaceChildren(...state.messages.filter((m) => m.text).map(messageNode));
    renderReplies();
    scrollToEnd();
  }

  function addMessage(message) {
    state.messages.push(message);
    if (message.text) log.append(messageNode(message));
    renderReplies();
    scrollToEnd();
  }

  function pendingButtons() {
    const last = state.messages[state.messages.length - 1];
    if (last && last.from === "bot" && Array.isArray(last.buttons) && last.buttons.length) return last.buttons;
    const patientSpoke = state.messages.some((m) => m.from === "user");
    if (!patientSpoke && suggestions.length) return suggestions.map((s) => ({ title: s, payload: s }));
    return [];
  }

  function setKeyboard() {
    // The question asked tells which keyboard a phone should bring up (phone number, email).
    const last = state.messages[state.messages.length - 1];
    const kind = last && last.from === "bot" && (last.input === "tel" || last.input === "email") ? last.input : "";
    if (kind) input.setAttribute("inputmode", kind); else input.removeAttribute("inputmode");
    if (kind) input.setAttribute("autocomplete", kind); else input.setAttribute("autocomplete", "off");
  }

  function renderReplies() {
    setKeyboard();
    const buttons = pendingButtons();
    const last = state.messages[state.messages.length - 1];
    replies.setAttribute("aria-label", last && last.buttons ? t.replies : t.suggestions);
    // A keyboard user's focus survives the buttons being drawn again (a reply arriving).
    const focused = replies.contains(root.activeElement) ? root.activeElement.textContent : null;
    replies.replaceChildren(...buttons.map((button) => {
      const node = el("button", { type: "button", class: "reply", text: button.title });
      node.addEventListener("click", (event) => {
        submit(button.payload, button.title);
        // The pressed button disappears. Keyboard users stay in the chat at the text box; a tap
        // (detail > 0) must not open a phone's keyboard over the next question's buttons.
        if (event.detail === 0) input.focus();
        else log.focus({ preventScroll: true });
      });
      return node;
    }));
    replies.hidden = buttons.length === 0;
    const again = [...replies.children].find((node) => node.textContent === focused);
    if (again) again.focus();
  }

  let statusTimer = null;
  function setStatus(text, kind) {
    clearTimeout(statusTimer);
    status.textContent = text || "";
    status.className = "status" + (kind ? " " + kind : "");
    if (kind === "ok") statusTimer = setTimeout(() => setStatus(""), 4000);
  }

  // ---- sending: one message at a time, in order, retried with the same id until answered ---
  let pumping = false;
  let offline = false;
  let generation = 0;        // bumped when starting over, so late answers of the old conversation are dropped
  let inFlight = null;       // AbortController of the request under way
  let wakeUp = null;         // ends a backoff wait early when the browser comes back online

  function submit(text, label) {
    const clean = String(text).trim();
    if (!clean) return false;
    if (clean.length > MAX_CHARS) {
      setStatus(format(t.tooLong, { max: MAX_CHARS, length: clean.length }), "error");
      return false;
    }
    if (label !== null) addMessage({ from: "user", text: label === undefined ? clean : label });
    state.queue.push({ id: randomId(), text: clean });
    saveState();
    pump();
    return true;
  }

  async function pump() {
    if (pumping) return;
    pumping = true;
    const myGeneration = generation;
    try {
      while (state.queue.length && myGeneration === generation) {
        typing.hidden = false;
        scrollToEnd();
        const result = await deliver(state.queue[0], myGeneration);
        if (myGeneration !== generation) return;
        state.queue.shift();
        if (result.error) addMessage({ from: "notice", text: result.error });
        for (const message of result.messages || []) {
          addMessage({ from: "bot", text: String(message.text || ""), buttons: cleanButtons(message.buttons),
                       alert: message.alert === "emergency" ? "emergency" : undefined,
                       input: message.input === "tel" || message.input === "email" ? message.input : undefined,
                       call: typeof message.call === "string" ? message.call.slice(0, 16) : undefined });
        }
        if (result.ended) {
          // The assistant has deleted this conversation. Its last words stay on screen, but none
          // of its messages stay stored. The session id does, so "delete my data" from this tab
          // still finds the request; messages typed meanwhile are sent as a new conversation.
          state = Object.assign(freshState(), { open: state.open, sessionId: state.sessionId, token: state.token,
            queue: state.queue });
          renderReplies();
        }
        saveState();
      }
    } finally {
      if (myGeneration === generation) typing.hidden = true;
      pumping = false;
      if (state.queue.length && myGeneration !== generation) pump();
    }
  }

  function cleanButtons(buttons) {
    if (!Array.isArray(buttons)) return undefined;
    return buttons.filter((b) => b && typeof b.title === "string" && typeof b.payload === "string")
      .map((b) => ({ title: b.title, payload: b.payload }));
  }

  function post(path, payload, signal) {
    return fetch(server + path, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(payload),
      signal, credentials: "omit",
    });
  }

  async function deliver(item, myGeneration) {
    let renewed = false;  // a session refused once is replaced once per message, never in a loop
    for (let attempt = 0; ; attempt++) {
      if (myGeneration !== generation) return {};
      let response = null;
      let body = null;
      inFlight = new AbortController();
      const timer = setTimeout(() => inFlight.abort(), REQUEST_TIMEOUT_MS);
      try {
        if (!state.sessionId || !state.token) {
          // The session's own answer is handled below like a chat answer when it is not a session.
          response = await post("/api/session", {}, inFlight.signal);
          body = await response.json();
          if (response.ok && body && typeof body.session_id === "string" && typeof body.token === "string") {
            state.sessionId = body.session_id;
            state.token = body.token;
            saveState();
          }
        }
        if (state.sessionId && state.token) {
          response = await post("/api/chat", { session_id: state.sessionId, token: state.token,
            message_id: item.id, text: item.text }, inFlight.signal);
          body = await response.json();
        }
      } catch (error) {
        response = null;  // network down, server gone, timed out, or not our JSON
      } finally {
        clearTimeout(timer);
      }
      if (myGeneration !== generation) return {};  // aborted by starting over
      if (response && response.ok && body && Array.isArray(body.messages)) {
        markOnline();
        return { messages: body.messages, ended: body.conversation_ended === true };
      }
      if (response && response.status === 403 && body && body.new_session === true && !renewed) {
        // The server no longer recognises this session (expired, or from another server): say so
        // and send the same message again under a new one.
        renewed = true;
        state.sessionId = null;
        state.token = null;
        addMessage({ from: "notice", text: typeof body.error === "string" ? body.error : t.failed });
        saveState();
        attempt = -1;
        continue;
      }
      if (response && response.status === 429) {
        // Too many messages: wait as long as the server says, once, instead of hammering it.
        markOnline();
        const asked = Number(body && body.retry_after) || Number(response.headers.get("retry-after")) || 30;
        const seconds = Math.min(Math.max(asked, 1), 3600);
        typing.hidden = true;
        setStatus(body && typeof body.error === "string" ? body.error : t.slowDown, "error");
        await wait(seconds * 1000 + Math.random() * 1000);
        if (myGeneration !== generation) return {};
        setStatus("");
        typing.hidden = false;
        attempt = -1;
        continue;
      }
      if (response && response.status >= 400 && response.status < 500 && response.status !== 408) {
        markOnline();
        return { error: (body && typeof body.error === "string") ? body.error : t.failed };
      }
      // The server is unreachable, or reachable but the assistant is not: say so and retry.
      offline = true;
      typing.hidden = true;
      const reason = response && body && typeof body.error === "string" ? body.error : t.reconnecting;
      setStatus(reason, "error");
      await wait(Math.min(1000 * 2 ** attempt, 15000) * (0.8 + Math.random() * 0.4));
      if (myGeneration === generation) typing.hidden = false;
    }
  }

  function markOnline() {
    if (offline) setStatus(t.reconnected, "ok");
    offline = false;
  }

  function wait(ms) {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() { clearTimeout(timer); wakeUp = null; resolve(); }
      wakeUp = done;
    });
  }

  window.addEventListener("online", () => { if (wakeUp) wakeUp(); });

  // ---- opening, closing, starting over ---------------------------------------------------------
  function sendInitialMessage() {
    if (state.initialSent) return;
    state.initialSent = true;
    submit(initialMessage, null);  // null: the greeting trigger is not shown as the patient's words
  }

  function openPanel(moveFocus) {
    panel.hidden = false;
    container.classList.add("is-open");
    launcher.setAttribute("aria-expanded", "true");
    state.open = true;
    saveState();
    scrollToEnd();
    if (moveFocus) input.focus();
    sendInitialMessage();
  }

  function closePanel() {
    panel.hidden = true;
    container.classList.remove("is-open");
    launcher.setAttribute("aria-expanded", "false");
    state.open = false;
    saveState();
    launcher.focus();
  }

  // Wipes the stored and the visible conversation and starts a new session.
  function startOver(statusText) {
    generation += 1;
    if (inFlight) inFlight.abort();
    if (wakeUp) wakeUp();
    state = Object.assign(freshState(), { open: !panel.hidden });
    offline = false;
    typing.hidden = true;
    renderHistory();
    setStatus(statusText, "ok");
    saveState();
  }

  function askToClear(show) {
    confirmBar.hidden = !show;
    clearButton.setAttribute("aria-expanded", String(show));
    (show ? confirmNo : clearButton).focus();  // the safe choice has focus
  }

  // A tab left open past the expiry forgets too, not only a reloaded one.
  setInterval(() => { if (expired(state)) startOver(""); }, 60 * 1000);

  launcher.addEventListener("click", () => (panel.hidden ? openPanel(true) : closePanel()));
  closeButton.addEventListener("click", closePanel);
  clearButton.addEventListener("click", () => askToClear(confirmBar.hidden));
  confirmNo.addEventListener("click", () => askToClear(false));
  confirmYes.addEventListener("click", () => {
    confirmBar.hidden = true;
    clearButton.setAttribute("aria-expanded", "false");
    startOver(t.cleared);
    sendInitialMessage();
    input.focus();
  });
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      if (!confirmBar.hidden) askToClear(false);
      else closePanel();
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value;
    if (!text.trim()) return;
    if (!submit(text)) return;  // refused (too long): the text stays in the box to shorten
    input.value = "";
    autoGrow();
  });
  input.addEventListener("keydown", (event) => {
    // Enter sends, Shift+Enter starts a new line; not while an input method is composing.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  function autoGrow() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 120) + "px";
  }
  input.addEventListener("input", autoGrow);

  function start() {
    document.body.append(host);
    renderHistory();
    if (state.open) openPanel(false);
    if (state.queue.length) pump();  // messages typed before a reload or page change, not yet answered
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();

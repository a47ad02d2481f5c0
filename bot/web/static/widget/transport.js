/*
 * The widget's transport: the conversation kept in sessionStorage, the session the relay issues,
 * and the queue of the patient's messages, sent to the relay one at a time, in order, and retried
 * with the same id until answered. No DOM here: what happens is told to the view through `show`:
 *   show.message(message, messages)  a message was added to the conversation
 *   show.replies(messages)           the conversation was forgotten, its last messages stay shown
 *   show.history(messages)           the conversation was replaced: draw it again
 *   show.status(text, kind)          a line for the status bar ("error", "ok" or none)
 *   show.typing(shown)               the assistant is (no longer) answering
 * Every request says the page's language (`lang`, when the page has one), for the relay's answers
 * and the assistant's.
 * Part of widget.js (bot/web/widget_script.py serves the parts as one script).
 */
function createTransport({ server, maxChars, forgetAfterMs, pageLang, t, format, show }) {
  const MAX_STORED_MESSAGES = 200;
  const REQUEST_TIMEOUT_MS = 35000;
  // A conversation left alone this long is gone from the browser (health answers must not linger):
  // the clinic's retention for an unfinished form, as for the relay and Rasa's tracker store.
  const EXPIRY_MS = forgetAfterMs;
  const storeKey = "clinic-chat:v2:" + server;

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

  function addMessage(message) {
    state.messages.push(message);
    show.message(message, state.messages);
  }

  // ---- sending: one message at a time, in order, retried with the same id until answered ---
  let pumping = false;
  let offline = false;
  let generation = 0;        // bumped when starting over, so late answers of the old conversation are dropped
  let inFlight = null;       // AbortController of the request under way
  let wakeUp = null;         // ends a backoff wait early when the browser comes back online

  // `label`: what the conversation shows as the patient's words (a button's title); null: nothing.
  function submit(text, label) {
    const clean = String(text).trim();
    if (!clean) return false;
    if (clean.length > maxChars) {
      show.status(format(t.tooLong, { max: maxChars, length: clean.length }), "error");
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
        show.typing(true);
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
          show.replies(state.messages);
        }
        saveState();
      }
    } finally {
      if (myGeneration === generation) show.typing(false);
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
    const body = pageLang ? Object.assign({ lang: pageLang }, payload) : payload;
    return fetch(server + path, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
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
        show.typing(false);
        show.status(body && typeof body.error === "string" ? body.error : t.slowDown, "error");
        await wait(seconds * 1000 + Math.random() * 1000);
        if (myGeneration !== generation) return {};
        show.status("");
        show.typing(true);
        attempt = -1;
        continue;
      }
      if (response && response.status >= 400 && response.status < 500 && response.status !== 408) {
        markOnline();
        return { error: (body && typeof body.error === "string") ? body.error : t.failed };
      }
      // The server is unreachable, or reachable but the assistant is not: say so and retry.
      offline = true;
      show.typing(false);
      const reason = response && body && typeof body.error === "string" ? body.error : t.reconnecting;
      show.status(reason, "error");
      await wait(Math.min(1000 * 2 ** attempt, 15000) * (0.8 + Math.random() * 0.4));
      if (myGeneration === generation) show.typing(true);
    }
  }

  function markOnline() {
    if (offline) show.status(t.reconnected, "ok");
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

  // Wipes the stored and the shown conversation; the next message gets a new session.
  function startOver(statusText) {
    generation += 1;
    if (inFlight) inFlight.abort();
    if (wakeUp) wakeUp();
    state = Object.assign(freshState(), { open: state.open });
    offline = false;
    show.typing(false);
    show.history(state.messages);
    show.status(statusText, "ok");
    saveState();
  }

  // A tab left open past the expiry forgets too, not only a reloaded one.
  setInterval(() => { if (expired(state)) startOver(""); }, 60 * 1000);

  return {
    get messages() { return state.messages; },
    get open() { return state.open; },
    submit,
    startOver,
    setOpen(open) {
      state.open = open;
      saveState();
    },
    // The greeting trigger, once per conversation; not shown as the patient's words.
    sendInitial(text) {
      if (state.initialSent) return;
      state.initialSent = true;
      submit(text, null);
    },
    // Messages typed before a reload or page change, not yet answered.
    resume() { if (state.queue.length) pump(); },
  };
}

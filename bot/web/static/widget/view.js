/*
 * The widget's view: the launcher and the panel in a shadow root (so the clinic's CSS and ours never
 * mix), the messages (the bot's as markdown, renderMarkdown), quick replies, the status line, the
 * typing indicator and emergency alerts. No network or storage here: what the patient does is
 * handed to `act`:
 *   act.send(text) -> bool   the patient sent a message (false: refused, it stays in the box)
 *   act.reply(button)        a quick reply was pressed
 *   act.opened(), act.closed(), act.clear()
 * Part of widget.js (bot/web/widget_script.py serves the parts as one script).
 */
function createView({ t, format, lang, title, subtitle, accent, suggestions, stylesheetUrl, act }) {
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

  // ---- the widget's elements ------------------------------------------------------------------
  const host = el("div", { "data-clinic-chat": "" });
  host.style.setProperty("--chat-accent", accent);
  host.style.setProperty("--chat-on-accent", readableOn(accent));
  const root = host.attachShadow({ mode: "open" });
  const container = el("div", { class: "chat", hidden: true, lang });
  const stylesheet = el("link", { rel: "stylesheet", href: stylesheetUrl });
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
  // No maxlength: it would cut a pasted message silently. The transport refuses a long one and says why.
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

  // ---- rendering the conversation -------------------------------------------------------------
  function messageNode(message) {
    const who = message.from === "user" ? t.you : t.bot;
    const bubble = el("div", { class: "bubble" });
    if (message.from === "bot") bubble.append(renderMarkdown(message.text || ""));
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

  function showHistory(messages) {
    log.replaceChildren(...messages.filter((m) => m.text).map(messageNode));
    showReplies(messages);
    scrollToEnd();
  }

  function showMessage(message, messages) {
    if (message.text) log.append(messageNode(message));
    showReplies(messages);
    scrollToEnd();
  }

  function pendingButtons(messages) {
    const last = messages[messages.length - 1];
    if (last && last.from === "bot" && Array.isArray(last.buttons) && last.buttons.length) return last.buttons;
    const patientSpoke = messages.some((m) => m.from === "user");
    if (!patientSpoke && suggestions.length) return suggestions.map((s) => ({ title: s, payload: s }));
    return [];
  }

  function setKeyboard(messages) {
    // The question asked tells which keyboard a phone should bring up (phone number, email).
    const last = messages[messages.length - 1];
    const kind = last && last.from === "bot" && (last.input === "tel" || last.input === "email") ? last.input : "";
    if (kind) input.setAttribute("inputmode", kind); else input.removeAttribute("inputmode");
    if (kind) input.setAttribute("autocomplete", kind); else input.setAttribute("autocomplete", "off");
  }

  function showReplies(messages) {
    setKeyboard(messages);
    const buttons = pendingButtons(messages);
    const last = messages[messages.length - 1];
    replies.setAttribute("aria-label", last && last.buttons ? t.replies : t.suggestions);
    // A keyboard user's focus survives the buttons being drawn again (a reply arriving).
    const focused = replies.contains(root.activeElement) ? root.activeElement.textContent : null;
    replies.replaceChildren(...buttons.map((button) => {
      const node = el("button", { type: "button", class: "reply", text: button.title });
      node.addEventListener("click", (event) => {
        act.reply(button);
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
  function showStatus(text, kind) {
    clearTimeout(statusTimer);
    status.textContent = text || "";
    status.className = "status" + (kind ? " " + kind : "");
    if (kind === "ok") statusTimer = setTimeout(() => showStatus(""), 4000);
  }

  function showTyping(shown) {
    typing.hidden = !shown;
    if (shown) scrollToEnd();
  }

  // ---- opening, closing, clearing -------------------------------------------------------------
  function openPanel(moveFocus) {
    panel.hidden = false;
    container.classList.add("is-open");
    launcher.setAttribute("aria-expanded", "true");
    scrollToEnd();
    if (moveFocus) input.focus();
    act.opened();
  }

  function closePanel() {
    panel.hidden = true;
    container.classList.remove("is-open");
    launcher.setAttribute("aria-expanded", "false");
    act.closed();
    launcher.focus();
  }

  function askToClear(show) {
    confirmBar.hidden = !show;
    clearButton.setAttribute("aria-expanded", String(show));
    (show ? confirmNo : clearButton).focus();  // the safe choice has focus
  }

  launcher.addEventListener("click", () => (panel.hidden ? openPanel(true) : closePanel()));
  closeButton.addEventListener("click", closePanel);
  clearButton.addEventListener("click", () => askToClear(confirmBar.hidden));
  confirmNo.addEventListener("click", () => askToClear(false));
  confirmYes.addEventListener("click", () => {
    confirmBar.hidden = true;
    clearButton.setAttribute("aria-expanded", "false");
    act.clear();
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
    if (!act.send(text)) return;  // refused (too long): the text stays in the box to shorten
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

  return {
    mount() { document.body.append(host); },
    open: openPanel,
    // What the transport tells (its `show`).
    message: showMessage,
    replies: showReplies,
    history: showHistory,
    status: showStatus,
    typing: showTyping,
  };
}

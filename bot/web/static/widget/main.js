/*
 * The widget's start: its settings from the script tag's data- attributes and from the relay
 * (RELAY, written by bot/web/widget_script.py), its labels, and the view wired to the transport.
 * Part of widget.js (bot/web/widget_script.py serves the parts as one script).
 */
// Labels per language: bot/web/widget_labels.yml, passed in by the relay (RELAY.labels).
const STRINGS = RELAY.labels;

const script = document.currentScript;
if (script && !window.__clinicChatWidget) {
  window.__clinicChatWidget = true;
  const data = script.dataset;
  const scriptUrl = new URL(script.src, location.href);
  const server = (data.server || scriptUrl.origin).replace(/\/+$/, "");
  // The page's language: the labels' (two letters), and sent with every message so the assistant
  // answers in it unless the patient writes in another (the relay reads the whole tag, "es-ES").
  const pageLang = String(data.lang || document.documentElement.lang || "").trim().slice(0, 35);
  const lang = (pageLang || "en").slice(0, 2).toLowerCase();
  const t = STRINGS[lang] || STRINGS.en;
  const format = (text, values) => text.replace(/\{(\w+)\}/g, (_, key) => values[key] ?? "");
  const maxChars = RELAY.maxTextChars;  // what the relay accepts: longer messages are refused here, with the reason
  const initialMessage = (data.initialMessage || "hi").slice(0, maxChars);

  const view = createView({
    t, format, lang,
    title: (data.title || "Chat").slice(0, 80),
    subtitle: (data.subtitle || t.subtitle).slice(0, 80),
    accent: (data.color && CSS.supports("color", data.color)) ? data.color : "#0f5c63",
    suggestions: (data.suggestions || "").split("|").map((s) => s.trim()).filter(Boolean).slice(0, 6),
    stylesheetUrl: new URL("widget.css", scriptUrl).href,
    act: {
      send: (text) => transport.submit(text),
      reply: (button) => transport.submit(button.payload, button.title),
      opened() {
        transport.setOpen(true);
        transport.sendInitial(initialMessage);
      },
      closed: () => transport.setOpen(false),
      clear() {
        transport.startOver(t.cleared);
        transport.sendInitial(initialMessage);
      },
    },
  });
  const transport = createTransport({
    server, maxChars, forgetAfterMs: RELAY.forgetAfterMs, pageLang, t, format, show: view,
  });

  const start = () => {
    view.mount();
    view.history(transport.messages);
    if (transport.open) view.open(false);
    transport.resume();
  };
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
}

/*
 * The bot's markdown as DOM nodes: **bold**, lists, line breaks, links. Nothing a bot writes is ever
 * parsed as HTML: every node is made with createElement and textContent, and links are checked to
 * be http(s), mailto or tel before they become <a> elements.
 * Part of widget.js (bot/web/widget_script.py serves the parts as one script).
 */
const renderMarkdown = (function () {
  function el(tag, attrs) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value);
    }
    return node;
  }

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

  return function renderMarkdown(text) {
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
  };
})();

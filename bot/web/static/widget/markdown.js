/*
 * The bot's markdown as DOM nodes. The subset and its rules are docs/markdown.md, shared with the
 * Telegram bridge (bot/telegram/rendering.py); tests/markdown_cases.yml has the cases both pass.
 * Nothing a bot writes is ever parsed as HTML: every node is made with createElement and
 * textContent, and a link becomes an <a> only when the browser reads its URL as http(s), mailto
 * or tel. Part of widget.js (bot/web/widget_script.py serves the parts as one script).
 */
const renderMarkdown = (function () {
  const HEADING = /^#{1,6}[ \t]+(\S.*)$/;
  // More spaces before the marker than before the list's items make a sub-item (one level).
  const ITEM = /^([ \t]*)(?:([-*•])|(\d{1,3})\.)[ \t]+(.*)$/;
  // [label](url) | **bold** | a bare link; the first that fits at a place wins.
  const INLINE = new RegExp([
    /\[([^\]\n]+)\]\(((?:https?:\/\/|mailto:|tel:)[^\s)]+)\)/.source,
    /\*\*(\S(?:.*?\S)?)\*\*/.source,
    /((?:https?:\/\/|mailto:|tel:)[^\s<>"]+)/.source,
  ].join("|"), "g");
  const TRAILING = /[.,;:!?)\]]+$/;  // a sentence's full stop or closing bracket is not part of a bare link

  function make(tag) {
    return document.createElement(tag);
  }

  function safeHref(raw) {
    try {
      const url = new URL(raw);
      return ["http:", "https:", "mailto:", "tel:"].includes(url.protocol) ? url.href : null;
    } catch (error) {
      return null;
    }
  }

  function link(label, href) {
    const a = make("a");
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    a.textContent = label;
    return a;
  }

  function appendInline(parent, text) {
    let last = 0;
    for (const match of text.matchAll(INLINE)) {
      parent.append(text.slice(last, match.index));
      last = match.index + match[0].length;
      const [whole, label, target, bold, bare] = match;
      if (label !== undefined) {
        const href = safeHref(target);
        parent.append(href ? link(label, href) : whole);
      } else if (bold !== undefined) {
        const strong = make("strong");
        appendInline(strong, bold);
        parent.append(strong);
      } else {
        const address = bare.replace(TRAILING, "");
        const href = safeHref(address);
        parent.append(href ? link(address.replace(/^(mailto|tel):/, ""), href) : address);
        last -= bare.length - address.length;
      }
    }
    parent.append(text.slice(last));
  }

  return function renderMarkdown(text) {
    const fragment = document.createDocumentFragment();
    let paragraph = null;  // the <p> a plain line joins
    let list = null;       // the top-level <ul> or <ol> an item joins
    let listIndent = 0;    // the spaces before its items
    let subList = null;    // the list inside list's last item that a sub-item joins
    for (const line of String(text).split(/\r?\n/)) {
      const heading = line.match(HEADING);
      const item = heading ? null : line.match(ITEM);
      if (item) {
        const [, indent, bullet, number, rest] = item;
        const tag = bullet ? "UL" : "OL";
        const li = make("li");
        if (number) li.value = Number(number);
        appendInline(li, rest);
        if (list && indent.length > listIndent) {
          if (!subList || subList.tagName !== tag) list.lastChild.append((subList = make(tag)));
          subList.append(li);
        } else {
          if (!list || list.tagName !== tag) fragment.append((list = make(tag)));
          list.append(li);
          listIndent = indent.length;
          subList = null;
        }
        paragraph = null;
      } else if (!line.trim()) {
        paragraph = list = subList = null;
      } else if (heading) {
        const strong = make("strong");
        appendInline(strong, heading[1]);
        fragment.append(make("p"));
        fragment.lastChild.append(strong);
        paragraph = list = subList = null;
      } else {
        list = subList = null;
        if (paragraph) paragraph.append(make("br"));
        else fragment.append((paragraph = make("p")));
        appendInline(paragraph, line);
      }
    }
    return fragment;
  };
})();

// Document control: the Markdown editor's toolbar and live preview (rendered by the server with the
// page's own sanitiser), and "comment here" on the headings and paragraphs of a revision in review.
// No inline code: the Content-Security-Policy forbids it.
(function () {
  "use strict";

  // --- Editor ---------------------------------------------------------------------------------------
  function surround(area, before, after, placeholder) {
    var start = area.selectionStart, end = area.selectionEnd;
    var chosen = area.value.slice(start, end) || placeholder;
    area.setRangeText(before + chosen + after, start, end, "end");
    area.selectionStart = start + before.length;
    area.selectionEnd = start + before.length + chosen.length;
  }

  function prefixLines(area, prefix) {
    var value = area.value;
    var start = value.lastIndexOf("\n", area.selectionStart - 1) + 1;
    var end = area.selectionEnd;
    var lines = value.slice(start, end).split("\n");
    var changed = lines.map(function (line, index) {
      return (typeof prefix === "function" ? prefix(index) : prefix) + line;
    }).join("\n");
    area.setRangeText(changed, start, end, "select");
  }

  var ACTIONS = {
    bold: function (area) { surround(area, "**", "**", "bold text"); },
    italic: function (area) { surround(area, "*", "*", "italic text"); },
    heading: function (area) { prefixLines(area, "## "); },
    list: function (area) { prefixLines(area, "- "); },
    numbered: function (area) { prefixLines(area, function (i) { return (i + 1) + ". "; }); },
    table: function (area) {
      surround(area, "\n| Column | Column |\n|---|---|\n| ", " | |\n", "value");
    }
  };

  function setUpEditor(box) {
    var area = box.querySelector("textarea");
    var preview = box.querySelector("[data-preview]");
    var status = box.querySelector("[data-preview-status]");
    var form = box.closest("form");
    if (!area || !preview || !form) { return; }
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    var toolbar = box.querySelector(".editor-toolbar");
    var hint = box.querySelector(".editor-js-hint");
    if (toolbar) { toolbar.hidden = false; }
    if (hint) { hint.hidden = false; }
    var timer = null, sent = 0, shown = 0, last = area.value;

    function refresh() {
      var number = ++sent;
      var body = new URLSearchParams();
      body.set("content", area.value);
      status.textContent = "Updating…";
      fetch(box.dataset.previewUrl, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: {"X-CSRFToken": token ? token.value : "", "X-Requested-With": "fetch"}
      }).then(function (response) {
        return response.text().then(function (text) { return {ok: response.ok, text: text}; });
      }).then(function (result) {
        if (number < shown) { return; }  // an older answer arriving late
        shown = number;
        if (result.ok) {
          preview.innerHTML = result.text;  // sanitised by the server (rendering.to_html)
          preview.classList.remove("is-stale");
          status.textContent = "";
        } else {
          preview.classList.add("is-stale");
          status.textContent = result.text.slice(0, 200) || "The preview could not be updated.";
        }
      }).catch(function () {
        preview.classList.add("is-stale");
        status.textContent = "The preview could not be updated (offline?).";
      });
    }

    function changed() {
      if (area.value === last) { return; }
      last = area.value;
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 350);
    }

    area.addEventListener("input", changed);
    area.addEventListener("keydown", function (event) {
      if (!(event.ctrlKey || event.metaKey)) { return; }
      var key = event.key.toLowerCase();
      if (key === "b" || key === "i") {
        event.preventDefault();
        ACTIONS[key === "b" ? "bold" : "italic"](area);
        changed();
      }
    });
    if (toolbar) {
      toolbar.addEventListener("click", function (event) {
        var button = event.target.closest("[data-md]");
        if (!button) { return; }
        area.focus();
        ACTIONS[button.dataset.md](area);
        changed();
      });
    }
  }

  // --- Comment here ------------------------------------------------------------------------------------
  function setUpComments() {
    var form = document.getElementById("new-comment");
    var content = document.querySelector("[data-testid=content]");
    if (!form || !content) { return; }
    var select = form.querySelector("select[name=anchor]");
    var body = form.querySelector("textarea[name=body]");
    var offered = {};
    Array.prototype.forEach.call(select.options, function (option) { offered[option.value] = option.text; });
    content.classList.add("is-commentable");
    content.querySelectorAll("[data-anchor]").forEach(function (block) {
      if (!offered[block.id]) { return; }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-link btn-sm comment-here";
      button.setAttribute("aria-label", "Comment on " + offered[block.id]);
      button.title = "Comment on this";
      button.dataset.anchor = block.id;
      button.innerHTML = '<i class="bi bi-chat-left-dots" aria-hidden="true"></i>';
      block.appendChild(button);
    });
    content.addEventListener("click", function (event) {
      var button = event.target.closest(".comment-here");
      if (!button) { return; }
      select.value = button.dataset.anchor;
      content.querySelectorAll(".is-commenting").forEach(function (el) { el.classList.remove("is-commenting"); });
      document.getElementById(button.dataset.anchor).classList.add("is-commenting");
      form.scrollIntoView({block: "center"});
      body.focus();
    });
    select.addEventListener("change", function () {
      content.querySelectorAll(".is-commenting").forEach(function (el) { el.classList.remove("is-commenting"); });
      var block = select.value && document.getElementById(select.value);
      if (block) { block.classList.add("is-commenting"); }
    });
  }

  function start() {
    document.querySelectorAll("[data-markdown-editor]").forEach(setUpEditor);
    setUpComments();
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();

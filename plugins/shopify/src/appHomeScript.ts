// The app page's one script, served by PostFlow itself (CSP script-src 'self': no inline script, no CDN). It makes
// the preview live: as the owner types a template or picks another product, the form is sent (debounced) to the same
// POST /shopify/app/preview the Preview button submits without script, asking for JSON, and the answer is shown with
// textContent only (never as HTML). Template errors go next to their fields, as the server's page puts them.
export const APP_HOME_SCRIPT = `'use strict';
(function () {
  var form = document.getElementById('settings');
  var out = document.getElementById('preview');
  if (!form || !out || !window.fetch || !window.URLSearchParams) return;
  var timer = null;
  var latest = 0;
  function el(tag, text) {
    var node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function showErrors(issues) {
    var slots = form.querySelectorAll('[data-error-for]');
    for (var i = 0; i < slots.length; i++) {
      var list = issues[slots[i].getAttribute('data-error-for')] || [];
      slots[i].textContent = list.join(' ');
    }
  }
  function show(answer) {
    var nodes = [];
    if (answer.note) nodes.push(el('p', answer.note));
    (answer.previews || []).forEach(function (p) {
      var post = el('div');
      post.className = 'post';
      post.appendChild(el('h3', p.channelName + ' (' + p.platform + ')'));
      post.appendChild(el('pre', p.text));
      post.appendChild(el('p', p.fit));
      nodes.push(post);
    });
    out.replaceChildren.apply(out, nodes);
    showErrors(answer.issues || {});
  }
  function run() {
    var mine = ++latest;
    fetch(form.getAttribute('data-preview-url'), {
      method: 'POST',
      body: new URLSearchParams(new FormData(form)),
      headers: { accept: 'application/json' },
      credentials: 'omit',
    })
      .then(function (response) { return response.json(); })
      .then(function (answer) { if (mine === latest) show(answer); })
      .catch(function () { if (mine === latest) out.replaceChildren(el('p', 'The preview is not available just now.')); });
  }
  form.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(run, 400);
  });
})();
`;

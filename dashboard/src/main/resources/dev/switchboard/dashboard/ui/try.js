// Try: the decision for a model, user path and client, step by step (GET /admin/resolve), and a real test
// request through the gateway (POST /v1/chat/completions) with its status, headers and answer.
import * as api from './api.js';
import * as data from './data.js';
import {h, code, replace} from './dom.js';

export async function render(main, query) {
  const d = await data.load();
  const model = h('input', {type: 'text', id: 'try-model', list: 'try-names', autocomplete: 'off', value: query.get('model') || ''});
  const userPath = h('input', {type: 'text', id: 'try-user-path', placeholder: '/acme/ml/alice', value: query.get('user_path') || ''});
  const client = h('input', {type: 'text', id: 'try-client', placeholder: 'a client of identity.clients', value: query.get('client') || ''});
  const decision = h('section', {id: 'try-decision', 'aria-live': 'polite'});
  const message = h('textarea', {id: 'try-message', rows: 2}, 'Say hello in five words.');
  const key = h('input', {type: 'password', id: 'try-key', autocomplete: 'off', placeholder: 'only when the gateway requires keys'});
  const response = h('section', {id: 'try-response', 'aria-live': 'polite'});

  const explain = async () => {
    if (!model.value.trim()) {
      replace(decision, h('p', {class: 'error'}, 'Enter a model name.'));
      model.focus();
      return;
    }
    const q = new URLSearchParams({model: model.value.trim()});
    if (userPath.value.trim()) q.set('user_path', userPath.value.trim());
    if (client.value.trim()) q.set('client', client.value.trim());
    history.replaceState(null, '', '#/try?' + q);
    replace(decision, h('p', {class: 'muted'}, 'Resolving…'));
    try {
      showDecision(decision, await api.get('resolve?' + q));
    } catch (e) {
      if (e.status !== 401) replace(decision, h('p', {class: 'notice error-box', role: 'alert', id: 'try-error'}, e.message));
    }
  };

  const send = async () => {
    const headers = {'Content-Type': 'application/json', 'Accept': 'application/json'};
    if (userPath.value.trim()) headers['X-User-Path'] = userPath.value.trim();
    if (key.value) headers['Authorization'] = 'Bearer ' + key.value;
    const body = {model: model.value.trim(), messages: [{role: 'user', content: message.value}]};
    replace(response, h('p', {class: 'muted'}, 'Sending…'));
    const started = performance.now();
    let r;
    try {
      r = await fetch(new URL('v1/chat/completions', api.gatewayBase), {
        method: 'POST', headers, body: JSON.stringify(body), credentials: 'omit', cache: 'no-store'});
    } catch (e) {
      replace(response, h('p', {class: 'notice error-box', role: 'alert'}, 'The request failed: ' + e.message));
      return;
    }
    const text = await r.text();
    const ms = Math.round(performance.now() - started);
    showResponse(response, r, text, ms);
  };

  const form = h('form', {id: 'try-form', novalidate: true, onsubmit: (e) => {
    e.preventDefault();
    explain();
  }},
  h('div', {class: 'fields'},
      h('div', {}, h('label', {for: 'try-model'}, 'Model'), model),
      h('div', {}, h('label', {for: 'try-user-path'}, 'User path'), userPath),
      h('div', {}, h('label', {for: 'try-client'}, 'Client'), client)),
  h('div', {class: 'actions'}, h('button', {type: 'submit', id: 'try-explain'}, 'Explain the decision')));

  replace(main,
      h('h1', {}, 'Try a model'),
      h('p', {class: 'muted'}, 'What the gateway decides for a model name and a caller, step by step, as ', code('GET /admin/resolve'),
          ' explains it; then a real request through the gateway.'),
      data.datalist('try-names', data.names(d)),
      h('div', {class: 'card'}, form),
      decision,
      h('h2', {}, 'Test request'),
      h('div', {class: 'card'},
          h('p', {class: 'muted small'}, 'Sends ', code('POST /v1/chat/completions'), ' with the model and message below, the user path as ',
              code('X-User-Path'), ' and the gateway key, if given, as a bearer token. It is a real request: it reaches the provider, ',
              'is counted in experiments and metrics, and is written to the access log. A client is known by its key here, not by its name.'),
          h('div', {class: 'fields'},
              h('div', {}, h('label', {for: 'try-message'}, 'Message'), message),
              h('div', {}, h('label', {for: 'try-key'}, 'Gateway key'), key)),
          h('div', {class: 'actions'}, h('button', {type: 'button', id: 'try-send', onclick: send}, 'Send test request'))),
      response);
  if (model.value) await explain();
  return null;
}

function showDecision(el, d) {
  const verdict = d.allowed
    ? h('p', {class: 'status-line ok', id: 'try-verdict'}, 'Allowed')
    : h('p', {class: 'status-line bad', id: 'try-verdict'}, 'Refused (', d.outcome, ')');
  const facts = [
    ['Requested', code(d.requested)],
    ['Caller path', d.user_path ? code(d.user_path) : h('span', {class: 'muted'}, 'none')],
    ['Redirect', d.redirect ? [code(d.redirect), ' → ', d.target ? code(d.target)
      : h('span', {class: 'muted'}, 'no target this caller may use: a fallback answers')]
      : h('span', {class: 'muted'}, 'none')],
    ['Concrete model', code(d.concrete)],
    ['Provider', d.provider ? code(d.provider) : h('span', {class: 'muted'}, 'none')],
    ['Sent upstream as', d.upstream_model ? code(d.upstream_model) : '–'],
    ['Access policy', d.policy ? code(d.policy) : h('span', {class: 'muted'}, 'none matched')],
    ['Why', d.reason],
  ];
  replace(el,
      h('h2', {}, 'Decision'),
      h('div', {class: 'card'}, verdict,
          h('dl', {class: 'facts'}, facts.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
          h('h3', {}, 'Steps'),
          h('ol', {class: 'steps', id: 'try-steps'}, d.steps.map((s) => h('li', {}, s))),
          d.candidates.length > 1 ? [
            h('h3', {}, 'Candidates, in the order they would be tried'),
            h('div', {class: 'table-wrap'}, h('table', {id: 'try-candidates'},
                h('thead', {}, h('tr', {}, ['Model', 'Provider', 'Upstream model', 'Allowed', 'Why'].map((c) => h('th', {scope: 'col'}, c)))),
                h('tbody', {}, d.candidates.map((c) => h('tr', {},
                    h('td', {}, code(c.model || '–')), h('td', {}, c.provider || '–'), h('td', {}, c.upstream_model || '–'),
                    h('td', {}, c.allowed ? 'yes' : 'no (' + c.outcome + ')'), h('td', {}, c.reason))))))] : null));
}

function showResponse(el, r, text, ms) {
  let json = null;
  try {
    json = JSON.parse(text);
  } catch (e) {
    json = null;
  }
  let answer = null;
  if (json && json.choices && json.choices[0] && json.choices[0].message) answer = json.choices[0].message.content;
  else if (json && Array.isArray(json.content) && json.content[0]) answer = json.content[0].text;
  else if (json && json.error) answer = json.error.message;
  const headers = [];
  r.headers.forEach((v, k) => headers.push([k, v]));
  headers.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  replace(el,
      h('div', {class: 'card'},
          h('p', {class: 'status-line ' + (r.ok ? 'ok' : 'bad'), id: 'try-status'}, `HTTP ${r.status}`, h('span', {class: 'muted small'}, ` in ${ms} ms`)),
          answer !== null ? [h('h3', {}, r.ok ? 'Answer' : 'Error'), h('p', {id: 'try-answer'}, answer)] : null,
          h('h3', {}, 'Response headers'),
          h('div', {class: 'table-wrap'}, h('table', {id: 'try-headers'}, h('tbody', {},
              headers.map(([k, v]) => h('tr', {}, h('th', {scope: 'row', class: 'mono'}, k), h('td', {class: 'mono'}, v)))))),
          h('h3', {}, 'Body'),
          h('pre', {id: 'try-body'}, json ? JSON.stringify(json, null, 2) : text)));
}

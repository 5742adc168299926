// Tap: a live stream of calls (Server-Sent Events), each with its decoded arguments and answer
// as typed JSON. The sidecar decodes only while a stream is open.
import { el, json } from './api.js';

const MAX_ROWS = 200;
let source;

function statusClass(status) {
  return status === 'ok' ? 'ok' : 'bad';
}

function detail(call) {
  const request = call.request.args
    ? [el('div', { class: 'label' }, `arguments (${call.request.types.join(', ')})`), el('pre', { class: 'args' }, json(call.request.args))]
    : [el('div', { class: 'label' }, 'arguments'), el('pre', { class: 'args' }, call.request.note)];
  const answer = call.response;
  const response = 'value' in answer && !('exception' in answer)
    ? [el('div', { class: 'label' }, 'answer'), el('pre', { class: 'answer' }, json(answer.value))]
    : 'exception' in answer
      ? [el('div', { class: 'label' }, `exception ${answer.exception}: ${answer.message}`), el('pre', { class: 'answer' }, json(answer.value))]
      : [el('div', { class: 'label' }, 'answer'), el('pre', { class: 'answer' }, answer.error ?? answer.note)];
  return el('tr', { class: 'detail' }, el('td', { colspan: '7' },
    request, response,
    call.error ? el('div', { class: 'label' }, `mesh error ${call.error.reason}: ${call.error.message}`) : null,
    el('div', { class: 'label' }, 'route'), el('pre', {}, `${call.route ?? '-'} → cluster ${call.cluster ?? '-'} → ${call.endpoint ?? '-'}`),
    el('div', { class: 'label' }, 'attachments'), el('pre', {}, json(call.attachments)),
    call.droppedBefore ? el('div', { class: 'muted' }, `${call.droppedBefore} events dropped for this stream so far (slow reader)`) : null));
}

function row(call) {
  const when = new Date(call.at).toISOString().slice(11, 23);
  const protocol = call.upstreamProtocol && call.upstreamProtocol !== call.protocol ? `${call.protocol} → ${call.upstreamProtocol}` : call.protocol;
  const summary = el('tr', { class: 'call', 'data-service': call.service, 'data-method': call.method },
    el('td', {}, when), el('td', {}, call.listener), el('td', {}, protocol), el('td', {}, `${call.service}#${call.method}`),
    el('td', { class: statusClass(call.status) }, call.status), el('td', {}, call.ms.toFixed(2)), el('td', {}, call.traceId ?? ''));
  const more = detail(call);
  summary.addEventListener('click', () => (more.hidden = !more.hidden));
  return [summary, more];
}

export function setupTap(form, table, state) {
  const body = table.querySelector('tbody');
  const toggle = form.querySelector('#tap-toggle');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (source) {
      source.close();
      source = undefined;
      toggle.textContent = 'Start tap';
      state.textContent = 'not tapping: calls are not decoded';
      return;
    }
    const query = new URLSearchParams([...new FormData(form)].filter(([, v]) => v !== ''));
    source = new EventSource(`/ui/api/tap?${query}`);
    toggle.textContent = 'Stop tap';
    state.textContent = 'tapping…';
    source.onopen = () => (state.textContent = 'tapping: matching calls appear below');
    source.onerror = () => (state.textContent = 'tap stream interrupted; the browser retries');
    source.onmessage = (message) => {
      const call = JSON.parse(message.data);
      body.prepend(...row(call));
      while (body.rows.length > MAX_ROWS * 2) body.lastElementChild.remove();
    };
  });
}

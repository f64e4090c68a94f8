// The callflow dev console page: plain browser JavaScript, no dependencies, everything from this server.

const $ = (selector) => document.querySelector(selector);
const ui = {
  flowName: $('#flow-name'),
  flowStatus: $('#flow-status'),
  problems: $('#problems'),
  problemList: $('#problem-list'),
  graph: $('#graph'),
  zoom: $('#zoom'),
  currentNode: $('#current-node'),
  call: $('#call'),
  hangup: $('#hangup'),
  callStatus: $('#call-status'),
  keypad: $('#keypad'),
  dialled: $('#dialled'),
  sendKeys: $('#send-keys'),
  silence: $('#silence'),
  speechForm: $('#speech-form'),
  speech: $('#speech'),
  say: $('#say'),
  clock: $('#clock'),
  clockNow: $('#clock-now'),
  hours: $('#hours'),
  transcript: $('#transcript'),
  turns: $('#turns'),
};
const outcomeSelects = {
  transfer: $('#outcome-transfer'),
  queue: $('#outcome-queue'),
  recording: $('#outcome-recording'),
  conference: $('#outcome-conference'),
};

let flowState = null;
let call = null;
let busy = false;
let dialled = '';

function element(tag, options = {}, children = []) {
  const node = document.createElement(tag);
  if (options.className) node.className = options.className;
  if (options.text !== undefined) node.textContent = options.text;
  for (const [name, value] of Object.entries(options.attributes ?? {})) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

async function api(path, body) {
  const response = await fetch(
    path,
    body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
  );
  const data = await response.json();
  if (!response.ok) throw new Error(data.error ?? `HTTP ${response.status}`);
  return data;
}

// ---- the flow ------------------------------------------------------------------------------------

function problemText(problem) {
  return `${problem.severity}: ${problem.line ? `line ${problem.line}: ` : ''}${problem.path ? `${problem.path}: ` : ''}${problem.message}${problem.hint ? ` (${problem.hint})` : ''}`;
}

function renderFlow(state) {
  const previous = flowState;
  flowState = state;
  ui.flowName.textContent = state.flow ? state.flow.name : state.path;
  const loadedAt = new Date(state.loadedAt).toLocaleTimeString();
  if (state.broken) {
    ui.flowStatus.textContent = state.flow
      ? `${state.path} has ${state.problems.filter((problem) => problem.severity === 'error').length} error(s) (${loadedAt}); showing the last good flow, which calls still use`
      : `${state.path} does not load (${loadedAt})`;
    ui.flowStatus.className = 'broken';
  } else {
    ui.flowStatus.textContent = `${state.path} loaded (reload ${state.version}, ${loadedAt})`;
    ui.flowStatus.className = '';
  }
  ui.problemList.replaceChildren(
    ...state.problems.map((problem) => element('li', { className: problem.severity, text: problemText(problem) })),
  );
  ui.problems.hidden = state.problems.length === 0;
  ui.problems.setAttribute('role', state.broken ? 'alert' : 'region');
  if (state.flow && (!previous?.flow || previous.flow.svg !== state.flow.svg)) {
    ui.graph.innerHTML = state.flow.svg;
    applyZoom();
    if (call) highlight(call);
  }
  ui.call.disabled = busy || !state.flow;
  void refreshHours();
}

async function refreshState() {
  renderFlow(await api('/api/state'));
}

// ---- the graph -----------------------------------------------------------------------------------

function nodeElement(id) {
  for (const node of ui.graph.querySelectorAll('g.cf-node')) if (node.dataset.node === id) return node;
  return null;
}

function highlight(snapshot) {
  for (const node of ui.graph.querySelectorAll('g.cf-node')) {
    node.classList.toggle('cf-visited', snapshot.visited.includes(node.dataset.node));
    node.classList.toggle('cf-current', node.dataset.node === snapshot.current);
    if (node.dataset.node === snapshot.current) node.setAttribute('aria-current', 'step');
    else node.removeAttribute('aria-current');
  }
  ui.currentNode.textContent = snapshot.current ? `· call ${snapshot.ended ? 'ended in' : 'in'} ${snapshot.current}` : '';
  revealCurrent();
}

/** Scrolls the graph panel (not the page) so the node the call is in sits in its middle. */
function revealCurrent() {
  const current = call?.current ? nodeElement(call.current) : null;
  if (!current) return;
  const box = current.getBoundingClientRect();
  const view = ui.graph.getBoundingClientRect();
  ui.graph.scrollLeft += box.left + box.width / 2 - (view.left + view.width / 2);
  ui.graph.scrollTop += box.top + box.height / 2 - (view.top + view.height / 2);
}

// ---- the call ------------------------------------------------------------------------------------

function describeEntry(entry) {
  switch (entry.type) {
    case 'say':
      return ['heard', `“${entry.text}”`];
    case 'play':
      return ['heard', `(audio) ${entry.url}`];
    case 'pause':
      return ['event', `(${entry.seconds} s of silence)`];
    case 'input':
      return [
        'caller',
        entry.timeout ? 'you stayed silent' : entry.speech !== undefined ? `you said “${entry.speech}”` : `you pressed ${entry.digits}`,
      ];
    case 'transfer':
      return ['event', `transfer to ${entry.to}: ${entry.status}`];
    case 'record':
      return ['event', `recorded ${entry.durationSeconds} s`];
    case 'enqueue':
      return ['event', `queue ‘${entry.queue}’: ${entry.result}`];
    case 'conference':
      return ['event', `conference ‘${entry.room}’`];
    case 'hangup':
      return ['event', entry.by === 'caller' ? 'you hung up' : 'the call ended'];
    default:
      return ['event', JSON.stringify(entry)];
  }
}

function pretty(body, contentType) {
  if (!body) return '(empty)';
  if (/json/.test(contentType) || /^[[{]/.test(body.trim())) {
    try {
      return JSON.stringify(JSON.parse(body), null, 2);
    } catch {
      /* not JSON after all */
    }
  }
  if (/xml/.test(contentType) || body.trim().startsWith('<')) return indentXml(body);
  if (/form-urlencoded/.test(contentType)) return [...new URLSearchParams(body)].map(([name, value]) => `${name}=${value}`).join('\n');
  return body;
}

function indentXml(xml) {
  let depth = 0;
  return xml
    .replace(/>\s*</g, '>\n<')
    .split('\n')
    .map((line) => {
      if (/^<\//.test(line)) depth = Math.max(0, depth - 1);
      const out = `${'  '.repeat(depth)}${line}`;
      if (/^<[^!?/][^>]*[^/]>$/.test(line) && !/<\/[^>]+>$/.test(line)) depth++;
      return out;
    })
    .join('\n');
}

function requestText(exchange) {
  const { request } = exchange;
  const headers = Object.entries(request.headers)
    .filter(([name]) => /^(content-type|x-twilio-signature|authorization|telnyx-signature-ed25519|telnyx-timestamp|user-agent)$/.test(name))
    .map(([name, value]) => `${name}: ${value}`);
  return `${request.method} ${request.url}\n${headers.join('\n')}\n\n${pretty(request.body, request.headers['content-type'] ?? '')}`;
}

function turnTitle(exchange, index) {
  const path = new URL(exchange.request.url).pathname.replace(/^\/v2\/calls\/[^/]+\/actions\//, 'actions/');
  const nodes = exchange.nodes.length ? ` → ${exchange.nodes.join(' → ')}` : '';
  if (exchange.kind === 'command') return `${index + 1}. app → provider  ${exchange.request.method} ${path}  ${exchange.response.status}`;
  let event = '';
  try {
    const body = JSON.parse(exchange.request.body);
    event = body?.data?.event_type ?? body?.status ?? '';
  } catch {
    event = new URLSearchParams(exchange.request.body).get('CallStatus') ?? '';
  }
  return `${index + 1}. provider → app  ${exchange.request.method} ${path}${event ? ` (${event})` : ''}  ${exchange.response.status}${nodes}`;
}

function renderTurns(snapshot) {
  const items = snapshot.exchanges.map((exchange, index) => {
    const summary = element('summary', {}, [turnTitle(exchange, index)]);
    if (exchange.signature) {
      summary.append(
        ' ',
        element('span', {
          className: exchange.signature.valid ? 'ok' : 'bad',
          text: exchange.signature.valid ? '✓ signature' : '✗ signature',
        }),
      );
    }
    const request = element('div', {}, [
      element('h3', { text: exchange.kind === 'webhook' ? 'Webhook the provider sent' : 'Command the application sent' }),
      element('pre', { text: requestText(exchange) }),
    ]);
    const response = element('div', {}, [
      element('h3', {
        text:
          exchange.kind === 'webhook'
            ? `Application's answer (${exchange.response.status})`
            : `Provider's answer (${exchange.response.status})`,
      }),
      element('pre', { text: pretty(exchange.response.body, exchange.response.contentType) }),
    ]);
    const parts = [summary, element('div', { className: 'exchange' }, [request, response])];
    if (exchange.signature)
      parts.push(
        element('p', {
          className: 'sig',
          text: `${exchange.signature.header}: ${exchange.signature.valid ? 'valid' : 'INVALID'}: ${exchange.signature.detail}`,
        }),
      );
    return element('li', { attributes: { 'data-kind': exchange.kind } }, [element('details', {}, parts)]);
  });
  ui.turns.replaceChildren(...items);
}

function renderCall(snapshot) {
  call = snapshot;
  ui.transcript.replaceChildren(
    ...snapshot.entries.map((entry) => {
      const [kind, text] = describeEntry(entry);
      return element('li', { className: kind, text });
    }),
  );
  ui.transcript.scrollTop = ui.transcript.scrollHeight;
  renderTurns(snapshot);
  highlight(snapshot);
  const gather = snapshot.gather;
  if (snapshot.ended) {
    ui.callStatus.textContent = `Call ended (${snapshot.endedBy}) on ${snapshot.provider}.${snapshot.errors.length ? ` Errors: ${snapshot.errors.join('; ')}` : ''}`;
    ui.callStatus.className = 'call-status';
  } else if (snapshot.waiting) {
    const keys = gather?.numDigits
      ? `${gather.numDigits} key${gather.numDigits > 1 ? 's' : ''}`
      : `keys ending with ${gather?.finishOnKey || 'Send'}`;
    ui.callStatus.textContent = `On ${snapshot.provider}, waiting at ${gather?.node ?? '?'} for ${gather?.input === 'speech' ? 'speech' : gather?.input === 'both' ? `${keys} or speech` : keys}.`;
    ui.callStatus.className = 'call-status waiting';
  }
  updateControls();
}

function updateControls() {
  const live = Boolean(call?.waiting && !busy);
  ui.hangup.disabled = !live;
  ui.silence.disabled = !live;
  ui.say.disabled = !live;
  ui.sendKeys.disabled = !live || dialled === '';
  for (const key of ui.keypad.querySelectorAll('button')) key.disabled = !live;
  ui.call.disabled = busy || !flowState?.flow;
  ui.call.textContent = call && !call.ended ? 'Call again' : 'Call';
}

async function run(task) {
  if (busy) return;
  busy = true;
  updateControls();
  try {
    await task();
  } catch (error) {
    ui.callStatus.textContent = `Error: ${error.message}`;
    ui.callStatus.className = 'call-status';
  } finally {
    busy = false;
    updateControls();
  }
}

function chosenOutcomes() {
  return Object.fromEntries(Object.entries(outcomeSelects).map(([name, select]) => [name, select.value]));
}

function provider() {
  return document.querySelector('input[name="provider"]:checked').value;
}

function startCall() {
  return run(async () => {
    dialled = '';
    ui.dialled.textContent = '';
    ui.callStatus.textContent = `Calling on ${provider()}…`;
    const at = ui.clock.value ? new Date(`${ui.clock.value}:00Z`).toISOString() : undefined;
    renderCall(await api('/api/calls', { provider: provider(), at, outcomes: chosenOutcomes() }));
  });
}

function act(action) {
  if (!call?.waiting) return Promise.resolve();
  const id = call.id;
  return run(async () => renderCall(await api(`/api/calls/${id}/act`, action)));
}

function sendDialled() {
  if (!dialled) return Promise.resolve();
  const digits = dialled;
  dialled = '';
  ui.dialled.textContent = '';
  return act({ digits });
}

function pressKey(key) {
  if (!call?.waiting || busy) return;
  dialled += key;
  ui.dialled.textContent = dialled;
  const button = ui.keypad.querySelector(`button[data-key="${key}"]`);
  if (button) {
    button.classList.add('pressed');
    setTimeout(() => button.classList.remove('pressed'), 150);
  }
  updateControls();
  const gather = call.gather;
  const finishOnKey = gather ? gather.finishOnKey : '#';
  if ((gather?.numDigits && dialled.length >= gather.numDigits) || (finishOnKey && key === finishOnKey)) void sendDialled();
}

// ---- the clock -----------------------------------------------------------------------------------

async function refreshHours() {
  if (!flowState?.flow) return;
  const at = ui.clock.value ? new Date(`${ui.clock.value}:00Z`).toISOString() : new Date().toISOString();
  const report = await api(`/api/hours?at=${encodeURIComponent(at)}`);
  if (report.hours.length === 0) {
    ui.hours.replaceChildren(element('li', { text: 'This flow has no hours step.' }));
    return;
  }
  ui.hours.replaceChildren(
    ...report.hours.map((entry) =>
      element('li', {}, [
        `${entry.node} (${entry.schedule}): `,
        element('span', { className: entry.open ? 'open' : 'closed', text: entry.open ? 'open' : 'closed' }),
        ` → ${entry.branch} → ${entry.target}; ${entry.reason}; next change ${entry.nextChange ? new Date(entry.nextChange).toISOString().replace(':00.000Z', 'Z').replace('T', ' ') : 'none within two years'}`,
      ]),
    ),
  );
}

function setClockNow() {
  ui.clock.value = new Date().toISOString().slice(0, 16);
  void refreshHours();
}

// ---- wiring --------------------------------------------------------------------------------------

ui.call.addEventListener('click', () => void startCall());
ui.hangup.addEventListener('click', () => void act({ hangup: true }));
ui.silence.addEventListener('click', () => void act({ silence: true }));
ui.sendKeys.addEventListener('click', () => void sendDialled());
ui.keypad.addEventListener('click', (event) => {
  const key = event.target.closest('button')?.dataset.key;
  if (key) pressKey(key);
});
ui.speechForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const speech = ui.speech.value.trim();
  if (!speech) return;
  ui.speech.value = '';
  void act({ speech });
});
for (const select of Object.values(outcomeSelects)) {
  select.addEventListener('change', () => {
    if (call && !call.ended) void api(`/api/calls/${call.id}/outcomes`, chosenOutcomes()).catch(() => undefined);
  });
}
/** Fit: the whole graph as wide as the panel, but never below 60 % (text stays readable; the panel scrolls). */
function applyZoom() {
  const svg = ui.graph.querySelector('svg');
  if (!svg) return;
  const natural = Number(svg.getAttribute('width'));
  const fit = ui.zoom.getAttribute('aria-pressed') === 'true';
  const width = fit ? Math.min(natural, Math.max(ui.graph.clientWidth - 2, natural * 0.6)) : natural;
  svg.style.width = `${Math.round(width)}px`;
  svg.style.height = 'auto';
}

ui.zoom.addEventListener('click', () => {
  ui.zoom.setAttribute('aria-pressed', String(ui.zoom.getAttribute('aria-pressed') !== 'true'));
  applyZoom();
  if (call) highlight(call);
});
window.addEventListener('resize', () => {
  applyZoom();
  revealCurrent();
});
ui.clock.addEventListener('change', () => void refreshHours());
ui.clockNow.addEventListener('click', setClockNow);
document.addEventListener('keydown', (event) => {
  const target = event.target;
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement) return;
  if (/^[0-9*#]$/.test(event.key)) {
    event.preventDefault();
    pressKey(event.key);
  } else if (event.key === 'Enter' && dialled && !(target instanceof HTMLButtonElement)) {
    event.preventDefault();
    void sendDialled();
  }
});

setClockNow();
const events = new EventSource('/api/events');
events.addEventListener('flow', () => void refreshState());
updateControls();

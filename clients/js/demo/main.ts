// The demo chat app: everything it does goes through the SDK (src/), the way an app would use the npm package.
import {
  IMClient,
  conversationKey,
  decodeCommand,
  devTokenProvider,
  encodeCommand,
  type Conversation,
  type ConversationInfo,
  type ConnectionState,
  type Message,
} from '../src/index.js';

const app = document.getElementById('app')!;
const RECALL_WINDOW_MS = 2 * 60 * 1000;
const TYPING_SHOW_MS = 4000;
const TYPING_SEND_EVERY_MS = 2500;

interface ChatState {
  messages: Message[];
  loaded: boolean;
  hasMore: boolean;
  /** Own messages up to this orderKey were read by the peer. */
  readUpTo: number;
  typingUntil: number;
}

let client: IMClient;
let me = '';
let active: Conversation | null = null;
let connection: ConnectionState = 'disconnected';
let syncState = '';
const chats = new Map<string, ChatState>();
const rooms = new Set<string>();
let lastTypingSent = 0;
const debug: { progress: number[]; client?: IMClient } = { progress: [] };
(window as unknown as { __im: typeof debug }).__im = debug;

function esc(text: unknown): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function color(id: string): string {
  let h = 0;
  for (const ch of id) {
    h = (h * 31 + ch.charCodeAt(0)) % 360;
  }
  return `hsl(${h} 62% 52%)`;
}

function avatar(c: Conversation | { type: 'peer'; id: string }, size = 40): string {
  const label = c.type === 'room' ? '▶' : c.id.replace(/[^A-Za-z0-9]/g, '').slice(0, c.type === 'group' ? 2 : 1) || '?';
  return `<div class="avatar ${c.type}" style="background:${color(c.id)};width:${size}px;height:${size}px">${esc(label)}</div>`;
}

function timeOf(ms?: number): string {
  if (!ms) {
    return '';
  }
  const d = new Date(ms);
  const now = new Date();
  return d.toDateString() === now.toDateString()
    ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleDateString([], { month: 'short', day: 'numeric' });
}

function preview(m?: Message): string {
  if (!m) {
    return 'No messages yet';
  }
  const who = m.direction === 'send' ? 'You: ' : m.conversation.type === 'group' ? `${m.sender?.id ?? ''}: ` : '';
  if (m.revoked) {
    return `${who}Message recalled`;
  }
  switch (m.type) {
    case 'text':
    case 'barrage':
      return who + String(m.text ?? '');
    case 'image':
      return `${who}Photo`;
    case 'file':
      return `${who}File: ${String(m.fileName ?? '')}`;
    default:
      return `${who}[${m.type}]`;
  }
}

function chat(c: Conversation): ChatState {
  const key = conversationKey(c);
  let state = chats.get(key);
  if (!state) {
    state = { messages: [], loaded: false, hasMore: true, readUpTo: -1, typingUntil: 0 };
    chats.set(key, state);
  }
  return state;
}

function same(a: Conversation | null, b: Conversation): boolean {
  return !!a && a.type === b.type && a.id === b.id;
}

// ---- login ----------------------------------------------------------------------------------------------------

function renderLogin(error = ''): void {
  const last = localStorage.getItem('im-demo-user') ?? '';
  app.innerHTML = `
    <div class="login">
      <form class="login-card" id="login-form">
        <div class="brand"><img src="favicon.svg" alt="" /><div><h1>IM Demo</h1><p>Chat on the IM messaging backend</p></div></div>
        <label class="field"><span>User id</span><input id="user-id" autocomplete="off" placeholder="alice" value="${esc(last)}" required maxlength="32" /></label>
        <div class="form-error">${esc(error)}</div>
        <button class="primary" id="sign-in" type="submit">Sign in</button>
        <p class="hint">Development sign-in: the gateway's dev token endpoint signs a token for any user id.
        Open a second window, sign in as someone else, and start a chat with their id.</p>
      </form>
    </div>`;
  const form = document.getElementById('login-form') as HTMLFormElement;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const userId = (document.getElementById('user-id') as HTMLInputElement).value.trim();
    void signIn(userId);
  });
}

async function signIn(userId: string): Promise<void> {
  const button = document.getElementById('sign-in') as HTMLButtonElement;
  button.disabled = true;
  button.textContent = 'Signing in…';
  client = IMClient.create({ serverUrl: location.origin, tokenProvider: devTokenProvider(location.origin) });
  debug.client = client;
  wire(client);
  try {
    await client.login(userId);
  } catch (e) {
    renderLogin(`Could not sign in: ${(e as Error).message}`);
    return;
  }
  me = userId;
  localStorage.setItem('im-demo-user', userId);
  renderShell();
}

// ---- SDK events -----------------------------------------------------------------------------------------------

function wire(c: IMClient): void {
  c.on('connectionStateChanged', (e) => {
    connection = e.state;
    renderStatus();
  });
  c.on('conversationSyncStateChanged', (e) => {
    syncState = e.state;
    renderSync();
  });
  c.on('conversationChanged', () => renderList());
  c.on('totalUnreadChanged', (e) => {
    document.title = e.totalUnreadCount > 0 ? `(${e.totalUnreadCount}) IM Demo` : 'IM Demo';
  });
  const onMessages = (e: { conversation: Conversation; messages: Message[] }) => received(e.conversation, e.messages);
  c.on('receivePeerMessage', onMessages);
  c.on('receiveGroupMessage', onMessages);
  c.on('receiveRoomMessage', onMessages);
  c.on('messageRevoked', (e) => {
    const state = chat(e.conversation);
    const m = state.messages.find((x) => x.messageId === e.messageId);
    if (m) {
      m.revoked = true;
    }
    if (same(active, e.conversation)) {
      renderMessages();
    }
    renderList();
  });
  c.on('messageReceiptChanged', (e) => {
    if (e.kind !== 'read') {
      return;
    }
    const state = chat(e.conversation);
    state.readUpTo = Math.max(state.readUpTo, e.orderKey);
    if (same(active, e.conversation)) {
      renderMessages();
    }
  });
  c.on('broadcastMessageReceived', (e) => showBanner(String(e.message.text ?? preview(e.message))));
}

function received(conversation: Conversation, messages: Message[]): void {
  const state = chat(conversation);
  for (const m of messages) {
    if (m.type === 'command') {
      const data = decodeCommand(String(m.data)) as { kind?: string };
      if (data?.kind === 'typing' && m.direction === 'receive') {
        state.typingUntil = Date.now() + TYPING_SHOW_MS;
        if (same(active, conversation)) {
          renderHead();
          setTimeout(renderHead, TYPING_SHOW_MS + 50);
        }
      }
      continue;
    }
    if (m.type === 'barrage') {
      if (same(active, conversation)) {
        fly(`${m.sender?.id ?? ''}: ${String(m.text)}`);
      }
      state.messages.push(m);
      continue;
    }
    if (state.loaded && !state.messages.some((x) => x.messageId === m.messageId)) {
      state.messages.push(m);
      state.typingUntil = 0;
    }
  }
  state.messages.sort(byOrder);
  if (same(active, conversation)) {
    renderHead();
    renderMessages();
    markRead();
  }
}

function byOrder(a: Message, b: Message): number {
  const ka = a.orderKey ?? Number.MAX_SAFE_INTEGER;
  const kb = b.orderKey ?? Number.MAX_SAFE_INTEGER;
  return ka - kb || (a.timestamp ?? 0) - (b.timestamp ?? 0);
}

let readTimer: ReturnType<typeof setTimeout> | undefined;
function markRead(): void {
  clearTimeout(readTimer);
  readTimer = setTimeout(() => {
    if (active && active.type !== 'room' && document.visibilityState === 'visible') {
      const info = client.getConversation(active);
      if (info && info.unreadCount > 0) {
        void client.clearConversationUnread(active).catch(() => undefined);
      }
    }
  }, 250);
}

// ---- shell ----------------------------------------------------------------------------------------------------

function renderShell(): void {
  app.innerHTML = `
    <div class="shell">
      <div id="banner"></div>
      <div class="main">
        <aside class="sidebar">
          <div class="me">
            ${avatar({ type: 'peer', id: me })}
            <div class="who"><div class="name" data-testid="me">${esc(me)}</div><div id="status" data-testid="status" class="status"></div></div>
            <button class="ghost" id="sign-out">Sign out</button>
          </div>
          <form class="new-chat" id="new-chat">
            <input id="new-chat-id" placeholder="Open a chat: user id" autocomplete="off" />
            <select id="new-chat-type" aria-label="Conversation type">
              <option value="peer">Chat</option><option value="group">Group</option><option value="room">Room</option>
            </select>
            <button id="new-chat-go" type="submit">Open</button>
          </form>
          <div class="sync" id="sync"></div>
          <div class="list" id="list"></div>
        </aside>
        <section class="chat" id="chat"></section>
      </div>
    </div>`;
  document.getElementById('sign-out')!.addEventListener('click', async () => {
    await client.logout();
    chats.clear();
    rooms.clear();
    active = null;
    renderLogin();
  });
  document.getElementById('new-chat')!.addEventListener('submit', (event) => {
    event.preventDefault();
    const input = document.getElementById('new-chat-id') as HTMLInputElement;
    const type = (document.getElementById('new-chat-type') as HTMLSelectElement).value as Conversation['type'];
    const id = input.value.trim();
    if (!id) {
      return;
    }
    input.value = '';
    void openNew({ type, id });
  });
  renderStatus();
  renderSync();
  renderList();
  renderChat();
}

async function openNew(c: Conversation): Promise<void> {
  if (c.type === 'group') {
    // join an existing group, or create it with this user as owner
    try {
      await client.queryGroupMemberList(c.id).then(async (g) => {
        if (!g.members.includes(me)) {
          await client.addGroupMembers(c.id, [me]);
        }
      });
    } catch {
      await client.createGroup({ groupId: c.id, name: c.id, members: [] }).catch((e: Error) => alert(e.message));
    }
  }
  if (c.type === 'room') {
    await client.enterRoom(c.id).catch((e: Error) => alert(e.message));
    rooms.add(c.id);
  }
  void open(c);
}

function renderStatus(): void {
  const el = document.getElementById('status');
  if (!el) {
    return;
  }
  const label: Record<ConnectionState, string> = {
    connected: 'Connected',
    connecting: 'Connecting…',
    reconnecting: 'Reconnecting…',
    disconnected: 'Offline',
  };
  el.className = `status ${connection}`;
  el.textContent = label[connection];
}

function renderSync(): void {
  const el = document.getElementById('sync');
  if (el) {
    el.textContent = syncState === 'syncing' ? 'Syncing conversations…' : syncState === 'failed' ? 'Sync failed, retrying…' : '';
    el.style.display = el.textContent ? '' : 'none';
  }
}

function renderList(): void {
  const el = document.getElementById('list');
  if (!el) {
    return;
  }
  const infos: ConversationInfo[] = client.getConversations();
  for (const roomId of rooms) {
    if (!infos.some((i) => i.conversation.type === 'room' && i.conversation.id === roomId)) {
      infos.push({ conversation: { type: 'room', id: roomId }, unreadCount: 0, mentions: [], updatedAt: 0 });
    }
  }
  if (infos.length === 0) {
    el.innerHTML = `<div class="empty-list">No conversations yet.<br/>Type a user id above and press <b>Open</b> to start one.</div>`;
    return;
  }
  el.innerHTML = infos
    .map((info) => {
      const c = info.conversation;
      const key = conversationKey(c);
      const title = c.type === 'group' ? `# ${c.id}` : c.type === 'room' ? `Room ${c.id}` : c.id;
      return `<div class="conv ${same(active, c) ? 'active' : ''}" data-conv="${esc(key)}">
        ${avatar(c)}
        <div class="body">
          <div class="top"><span class="title">${esc(title)}</span><span class="time">${esc(timeOf(info.lastMessage?.timestamp ?? info.updatedAt))}</span></div>
          <div class="bottom">
            ${info.mentions.length > 0 ? '<span class="mention" data-testid="mention">[@ mentioned]</span>' : ''}
            <span class="preview">${esc(c.type === 'room' ? 'Live room' : preview(info.lastMessage))}</span>
            ${info.unreadCount > 0 ? `<span class="badge" data-testid="badge">${info.unreadCount > 99 ? '99+' : info.unreadCount}</span>` : ''}
          </div>
        </div>
      </div>`;
    })
    .join('');
  el.querySelectorAll<HTMLElement>('.conv').forEach((row) =>
    row.addEventListener('click', () => {
      const [type, ...rest] = row.dataset.conv!.split(':');
      void open({ type: type as Conversation['type'], id: rest.join(':') });
    }),
  );
}

async function open(c: Conversation): Promise<void> {
  active = { type: c.type, id: c.id };
  const state = chat(c);
  renderList();
  renderChat();
  if (!state.loaded && c.type !== 'room') {
    try {
      const page = await client.queryHistoryMessage(c, { count: 30 });
      const pending = state.messages.filter((m) => m.sentStatus === 'sending' || m.orderKey === undefined);
      const seen = new Set(page.messages.map((m) => m.messageId));
      state.messages = [...page.messages, ...state.messages.filter((m) => m.messageId && !seen.has(m.messageId) && !pending.includes(m)), ...pending];
      state.messages.sort(byOrder);
      state.hasMore = page.hasMore;
      state.loaded = true;
      await loadReadPosition(c, state);
    } catch (e) {
      console.warn('history', e);
    }
  } else if (c.type === 'room') {
    state.loaded = true;
    state.hasMore = false;
  }
  if (same(active, c)) {
    renderMessages(true);
    markRead();
  }
}

async function loadReadPosition(c: Conversation, state: ChatState): Promise<void> {
  if (c.type !== 'peer') {
    return;
  }
  const lastOwn = [...state.messages].reverse().find((m) => m.direction === 'send' && m.orderKey !== undefined);
  if (!lastOwn) {
    return;
  }
  const receipts = await client.queryMessageReceipts(c, lastOwn.orderKey!).catch(() => null);
  if (receipts?.read.includes(c.id)) {
    state.readUpTo = Math.max(state.readUpTo, lastOwn.orderKey!);
  }
}

function renderChat(): void {
  const el = document.getElementById('chat');
  if (!el) {
    return;
  }
  if (!active) {
    el.innerHTML = `<div class="placeholder"><div><img src="favicon.svg" width="56" alt="" /><h2>Welcome, ${esc(me)}</h2>
      Pick a conversation, or open one with a user, group or room id.</div></div>`;
    return;
  }
  const room = active.type === 'room';
  el.innerHTML = `
    <header class="chat-head" id="chat-head"></header>
    <div class="stage">
      <div class="messages" id="messages" data-testid="messages"></div>
      ${room ? '<div class="overlay" id="overlay"></div>' : ''}
    </div>
    <form class="composer" id="composer">
      ${room ? '' : '<button type="button" class="icon" id="attach" title="Send a photo" aria-label="Send a photo"><svg width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><rect x="3" y="3" width="18" height="18" rx="3"/><circle cx="8.5" cy="8.5" r="1.5"/><path d="M21 15l-5-5L5 21"/></svg></button><input type="file" id="file-input" accept="image/*" hidden />'}
      <input type="text" id="composer-input" autocomplete="off" placeholder="${room ? 'Send a barrage to the room…' : 'Write a message…'}" />
      <button class="send" id="send" type="submit">Send</button>
    </form>`;
  renderHead();
  const input = document.getElementById('composer-input') as HTMLInputElement;
  document.getElementById('composer')!.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (text) {
      input.value = '';
      sendText(text);
    }
  });
  input.addEventListener('input', () => {
    if (active && active.type === 'peer' && Date.now() - lastTypingSent > TYPING_SEND_EVERY_MS && input.value) {
      lastTypingSent = Date.now();
      void client.sendMessage(active, { type: 'command', data: encodeCommand({ kind: 'typing' }) }).catch(() => undefined);
    }
  });
  if (!room) {
    const file = document.getElementById('file-input') as HTMLInputElement;
    document.getElementById('attach')!.addEventListener('click', () => file.click());
    file.addEventListener('change', () => {
      const chosen = file.files?.[0];
      file.value = '';
      if (chosen) {
        sendImage(chosen);
      }
    });
  }
  input.focus();
}

function renderHead(): void {
  const el = document.getElementById('chat-head');
  if (!el || !active) {
    return;
  }
  const state = chat(active);
  const typing = state.typingUntil > Date.now();
  const sub = typing
    ? 'typing…'
    : active.type === 'peer'
      ? 'Direct message'
      : active.type === 'group'
        ? 'Group'
        : 'Live room · barrage';
  const title = active.type === 'group' ? `# ${active.id}` : active.type === 'room' ? `Room ${active.id}` : active.id;
  el.innerHTML = `${avatar(active)}<div><div class="title">${esc(title)}</div><div class="sub ${typing ? 'typing' : ''}" data-testid="typing">${esc(sub)}</div></div>`;
}

function renderMessages(scrollToEnd = false): void {
  const el = document.getElementById('messages');
  if (!el || !active) {
    return;
  }
  const state = chat(active);
  const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 60;
  const previousHeight = el.scrollHeight;
  const parts: string[] = [];
  if (state.hasMore && state.loaded && active.type !== 'room') {
    parts.push('<button class="ghost older" id="older">Load older messages</button>');
  }
  let lastDay = '';
  for (const m of state.messages) {
    if (m.type === 'barrage') {
      parts.push(`<div class="barrage-line"><b>${esc(m.sender?.id)}</b> ${esc(m.text)}</div>`);
      continue;
    }
    const day = new Date(m.timestamp ?? Date.now()).toDateString();
    if (day !== lastDay) {
      lastDay = day;
      parts.push(`<div class="day">${esc(new Date(m.timestamp ?? Date.now()).toLocaleDateString([], { weekday: 'long', month: 'long', day: 'numeric' }))}</div>`);
    }
    parts.push(messageHtml(m, state));
  }
  el.innerHTML = parts.join('');
  document.getElementById('older')?.addEventListener('click', () => void loadOlder());
  el.querySelectorAll<HTMLElement>('[data-recall]').forEach((b) =>
    b.addEventListener('click', () => {
      const m = state.messages.find((x) => x.messageId === b.dataset.recall);
      if (m) {
        client.revokeMessage(m).then(
          () => renderMessages(),
          (e: Error) => alert(`Could not recall: ${e.message}`),
        );
      }
    }),
  );
  el.querySelectorAll<HTMLElement>('[data-retry]').forEach((b) =>
    b.addEventListener('click', () => {
      const m = state.messages.find((x) => x.localMessageId === b.dataset.retry);
      if (m) {
        void client.resendMessage(m).finally(() => renderMessages());
        renderMessages();
      }
    }),
  );
  if (scrollToEnd || atBottom) {
    el.scrollTop = el.scrollHeight;
  } else if (el.dataset.prepend === '1') {
    el.scrollTop = el.scrollHeight - previousHeight;
    el.dataset.prepend = '';
  }
}

function messageHtml(m: Message, state: ChatState): string {
  const mine = m.direction === 'send';
  const key = m.messageId ?? m.localMessageId ?? '';
  let body: string;
  if (m.revoked) {
    body = `<div class="bubble recalled">${mine ? 'You recalled a message' : 'Message recalled'}</div>`;
  } else if (m.type === 'image') {
    const src = (m.thumbnailDownloadUrl as string) || (m.localUrl as string) || (m.fileDownloadUrl as string) || '';
    const large = (m.largeImageDownloadUrl as string) || (m.fileDownloadUrl as string) || src;
    const uploading = m.sentStatus === 'sending' && !m.mediaId;
    body = `<div class="bubble image"><a href="${esc(large)}" target="_blank" rel="noopener"><img src="${esc(src)}" alt="${esc(m.fileName ?? 'photo')}" data-testid="thumbnail" /></a>${uploading ? `<div class="upload" data-testid="upload-progress"><div style="width:${Math.round(Number(m.progress ?? 0) * 100)}%"></div></div>` : ''}</div>`;
  } else if (m.type === 'text') {
    const text = esc(m.text).replace(/(^|\s)(@[A-Za-z0-9_\-.]+)/g, '$1<span class="mention-tag">$2</span>');
    body = `<div class="bubble">${text}</div>`;
  } else if (m.type === 'file') {
    body = `<div class="bubble">File: <a href="${esc(m.fileDownloadUrl)}">${esc(m.fileName)}</a></div>`;
  } else {
    body = `<div class="bubble">[${esc(m.type)}]</div>`;
  }
  const meta: string[] = [`<span>${esc(timeOf(m.timestamp))}</span>`];
  if (mine) {
    if (m.sentStatus === 'sending') {
      meta.push('<span class="state" data-testid="state">Sending…</span>');
    } else if (m.sentStatus === 'failed') {
      meta.push(`<span class="state failed" data-testid="state">Failed</span><button data-retry="${esc(m.localMessageId)}">Retry</button>`);
    } else if (m.orderKey !== undefined && m.orderKey <= state.readUpTo && m.conversation.type === 'peer') {
      meta.push('<span class="state read" data-testid="state">Read</span>');
    } else {
      meta.push('<span class="state" data-testid="state">Sent</span>');
    }
    if (!m.revoked && m.messageId && Date.now() - (m.timestamp ?? 0) < RECALL_WINDOW_MS) {
      meta.push(`<span class="actions"><button data-recall="${esc(m.messageId)}">Recall</button></span>`);
    }
  }
  const author = !mine && m.conversation.type !== 'peer' ? `<div class="author">${esc(m.sender?.name ?? m.sender?.id)}</div>` : '';
  return `<div class="row ${mine ? 'mine' : ''}" data-key="${esc(key)}" data-testid="message">${author}${body}<div class="meta">${meta.join('')}</div></div>`;
}

async function loadOlder(): Promise<void> {
  if (!active) {
    return;
  }
  const c = active;
  const state = chat(c);
  const first = state.messages.find((m) => m.orderKey !== undefined);
  const page = await client.queryHistoryMessage(c, { count: 30, before: first?.orderKey });
  const seen = new Set(state.messages.map((m) => m.messageId));
  state.messages = [...page.messages.filter((m) => !seen.has(m.messageId)), ...state.messages];
  state.hasMore = page.hasMore;
  if (same(active, c)) {
    const el = document.getElementById('messages');
    if (el) {
      el.dataset.prepend = '1';
    }
    renderMessages();
  }
}

function attach(c: Conversation): (m: Message) => void {
  return (m) => {
    const state = chat(c);
    state.messages.push(m);
    if (same(active, c)) {
      renderMessages(true);
    }
  };
}

function sendText(text: string): void {
  if (!active) {
    return;
  }
  const c = active;
  if (c.type === 'room') {
    fly(`${me}: ${text}`);
    void client.sendMessage(c, { type: 'barrage', text }).catch((e: Error) => console.warn(e));
    return;
  }
  const mentioned = [...text.matchAll(/(?:^|\s)@([A-Za-z0-9_\-.]+)/g)].map((x) => x[1]!).filter((u) => u !== me);
  const options = {
    onMessageAttached: attach(c),
    receipt: c.type === 'peer',
    ...(c.type === 'group' && mentioned.length > 0 ? { mentions: { userIds: mentioned.filter((u) => u !== 'all'), all: mentioned.includes('all') } } : {}),
  };
  client
    .sendMessage(c, { type: 'text', text }, options)
    .catch(() => undefined)
    .finally(() => {
      if (same(active, c)) {
        renderMessages();
      }
    });
}

function sendImage(file: File): void {
  if (!active) {
    return;
  }
  const c = active;
  let local: Message | undefined;
  debug.progress = [];
  client
    .sendMediaMessage(c, { type: 'image', file }, {
      onMessageAttached: (m) => {
        local = m;
        attach(c)(m);
      },
      onProgress: (p) => {
        const fraction = p.total > 0 ? p.loaded / p.total : 0;
        (debug.progress as number[]).push(fraction);
        if (local) {
          local.progress = fraction;
          const bar = document.querySelector<HTMLElement>(`[data-key="${CSS.escape(local.localMessageId!)}"] .upload > div`);
          if (bar) {
            bar.style.width = `${Math.round(fraction * 100)}%`;
          }
        }
      },
    })
    .catch((e: Error) => console.warn('image', e))
    .finally(() => {
      if (same(active, c)) {
        renderMessages();
      }
    });
}

function fly(text: string): void {
  const overlay = document.getElementById('overlay');
  if (!overlay) {
    return;
  }
  const item = document.createElement('div');
  item.className = 'fly';
  item.dataset.testid = 'barrage';
  item.textContent = text;
  item.style.top = `${8 + Math.floor(Math.random() * 6) * 38}px`;
  overlay.appendChild(item);
  item.addEventListener('animationend', () => item.remove());
}

function showBanner(text: string): void {
  const el = document.getElementById('banner');
  if (!el) {
    return;
  }
  el.innerHTML = `<div class="banner" data-testid="banner"><svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M3 11v2a1 1 0 0 0 1 1h2l5 4V6L6 10H4a1 1 0 0 0-1 1z"/><path d="M15.5 8.5a5 5 0 0 1 0 7"/><path d="M18.5 5.5a9 9 0 0 1 0 13"/></svg> <b>Announcement</b> ${esc(text)}<button class="close" aria-label="Dismiss">×</button></div>`;
  el.querySelector('.close')!.addEventListener('click', () => (el.innerHTML = ''));
}

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') {
    markRead();
  }
});

renderLogin();

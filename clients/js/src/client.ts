import { Connection, systemClock, type Clock, type Frame, type WebSocketConstructor } from './connection.js';
import { ConversationStore } from './conversations.js';
import { Emitter } from './emitter.js';
import { IMError } from './errors.js';
import { Http, type UploadProgress, type UploadSource } from './http.js';
import { Outbox, type OutboxEntry } from './outbox.js';
import { Sequencer, type Page } from './sequencer.js';
import type {
  Conversation,
  ConversationInfo,
  ConnectionState,
  GroupDetails,
  GroupInfo,
  GroupInfoChange,
  GroupSummary,
  IMEvents,
  MediaMessageType,
  MediaUploadResult,
  MentionInfo,
  Mentions,
  Message,
  MessageContent,
  MessagePriority,
  MessageReaction,
  PresenceInfo,
  ReceiptsSummary,
} from './types.js';
import { conversationKey, newId, tokenExpiry } from './util.js';

/** Settings of {@link IMClient.create}. Only `serverUrl` and `tokenProvider` are required. */
export interface IMClientConfig {
  /** The gateway's base URL, e.g. `http://localhost:8080` (WebSocket and REST share it). */
  serverUrl: string;
  /**
   * Returns a token for the user: called at login, when the server warns that the token will expire, and when the
   * server refused the current one. The app's backend signs tokens; in local development `devTokenProvider` does.
   */
  tokenProvider: (userId: string) => Promise<string> | string;
  /** WebSocket implementation: the browser's by default; in Node 20 pass `WebSocket` from the `ws` package. */
  WebSocket?: WebSocketConstructor;
  /** fetch implementation (default: the global one). */
  fetch?: typeof fetch;
  /** Ping the server when the link was quiet this long (default 20 s). */
  pingIntervalMs?: number;
  /** A ping unanswered this long means the link is dead (default 10 s). */
  pingTimeoutMs?: number;
  /** A socket not working after this long is dropped and tried again (default 10 s). */
  connectTimeoutMs?: number;
  /** login() fails if no connection works within this time (default 30 s). */
  loginTimeoutMs?: number;
  /** Reconnect backoff: first step and cap (defaults 500 ms and 30 s), with jitter. */
  reconnectBaseDelayMs?: number;
  reconnectMaxDelayMs?: number;
  /** How long sendMessage keeps trying (across reconnects) before it fails with TIMEOUT (default 30 s). */
  sendTimeoutMs?: number;
  /** Timeout of other requests (default 10 s). */
  requestTimeoutMs?: number;
  /** Client-side pacing of sends, the server's per-user rate (default 10/s; 0 turns it off). */
  sendRatePerSecond?: number;
  /** A catch-up looks this much further back than the last moment the link was known alive (default 30 s). */
  syncMarginMs?: number;
  /** A second, quiet catch-up this long after each connect covers pushes routed before the server knew the new socket (v1 servers; default 2 s; 0 off). */
  settleSyncDelayMs?: number;
  /** Conversations read in the login catch-up (default 500). */
  maxConversations?: number;
  /** Gap repair: how often to ask history again while it has not stored the missing message yet (default 6, 500 ms apart and growing). */
  gapRetries?: number;
  gapRetryDelayMs?: number;
  /** Timers and clock (tests). */
  clock?: Clock;
  /** Log sink (default: none). */
  logger?: (level: 'debug' | 'info' | 'warn', message: string) => void;
}

export interface SendOptions {
  priority?: MessagePriority;
  mentions?: Mentions;
  /** Room commands only: just these users. */
  toUserIds?: string[];
  /** Ask for delivered/read receipts of this message (`messageReceiptChanged`). */
  receipt?: boolean;
  /** Reuse a clientMsgId (a resend of a message from an earlier run); a new one by default. */
  clientMsgId?: string;
  /** Overrides the client's sendTimeoutMs. */
  timeout?: number;
  /** Called at once with the local message (status `sending`, a `localMessageId`), before anything goes out. */
  onMessageAttached?: (message: Message) => void;
  /** v1.1: reply to this message (its `messageId`, or the message); the server adds its sender, type and preview. */
  repliedTo?: string | { messageId?: string };
  /** Extra fields for the send frame. */
  extra?: Record<string, unknown>;
}

export interface MediaSendOptions extends SendOptions {
  /** Upload progress (bytes). */
  onProgress?: (progress: UploadProgress) => void;
  signal?: AbortSignal;
}

export interface HistoryQuery {
  /** Messages per page (default 20, the server caps it at 100). */
  count?: number;
  /** Older than this orderKey (paging back); the newest page when neither is given. */
  before?: number;
  /** Newer than this orderKey (paging forward). */
  after?: number;
}

export interface HistoryResult {
  /** Oldest first. */
  messages: Message[];
  hasMore: boolean;
}

export interface ConversationQuery {
  count?: number;
  cursor?: string;
  /** Only conversations changed after this server time (ms). */
  since?: number;
}

/** A message as the server sends it (before the SDK adds conversation and direction). */
interface WireMessage {
  type: string;
  messageId?: string;
  clientMsgId?: string;
  orderKey?: number;
  prevOrderKey?: number | null;
  sender?: { id: string; name?: string };
  timestamp?: number;
  conversation?: Conversation;
  [field: string]: unknown;
}

interface WireConversation {
  conversation: Conversation;
  lastMessage?: WireMessage | null;
  unreadCount?: number;
  mentions?: MentionInfo[];
  updatedAt?: number;
}

const SIGNAL_TYPES = new Set(['command', 'barrage']);

/**
 * The IM client: one per signed-in user. Create it with {@link IMClient.create}, listen with `on`, then `login`.
 * It keeps the connection (reconnects with backoff and jitter, detects dead links, renews the token), resends what was
 * not acked, hands messages over in order without duplicates (gaps are filled from history) and keeps the conversation
 * list and unread counts.
 */
export class IMClient {
  private readonly events = new Emitter<IMEvents>();
  /** The unread total of a v1.1 server's last `totalUnreadChanged`; undefined before one (or on a v1 server). */
  private serverTotalUnread?: number;
  private readonly config: Required<Omit<IMClientConfig, 'WebSocket' | 'fetch' | 'clock' | 'logger'>>;
  private readonly clock: Clock;
  private readonly http: Http;
  private readonly connection: Connection;
  private readonly outbox: Outbox;
  private readonly sequencer: Sequencer;
  private readonly conversations: ConversationStore;
  private readonly log: (level: 'debug' | 'info' | 'warn', message: string) => void;
  private currentUser: string | undefined;
  private token: string | undefined;
  private tokenRefresh: Promise<string> | null = null;
  private readonly ownClientMsgIds = new Set<string>();
  private readonly rooms = new Set<string>();
  /** Users whose presence this client watches → when the subscription ends (Infinity: never); renewed on reconnect. */
  private readonly presenceWatch = new Map<string, number>();
  private serverOffsetMs = 0;
  private serverOffsetKnown = false;
  private loginServerTime = 0;
  private lastAliveLocal = 0;
  private v11Session = false;
  private catchUpChain: Promise<void> = Promise.resolve();
  private settleTimer: unknown = null;
  private renewing = false;

  /** Creates a client (no connection yet: call {@link login}). */
  static create(config: IMClientConfig): IMClient {
    return new IMClient(config);
  }

  private constructor(config: IMClientConfig) {
    if (!config.serverUrl || typeof config.tokenProvider !== 'function') {
      throw new IMError('INVALID_REQUEST', 'serverUrl and tokenProvider are required');
    }
    this.config = {
      serverUrl: config.serverUrl.replace(/\/+$/, ''),
      tokenProvider: config.tokenProvider,
      pingIntervalMs: config.pingIntervalMs ?? 20_000,
      pingTimeoutMs: config.pingTimeoutMs ?? 10_000,
      connectTimeoutMs: config.connectTimeoutMs ?? 10_000,
      loginTimeoutMs: config.loginTimeoutMs ?? 30_000,
      reconnectBaseDelayMs: config.reconnectBaseDelayMs ?? 500,
      reconnectMaxDelayMs: config.reconnectMaxDelayMs ?? 30_000,
      sendTimeoutMs: config.sendTimeoutMs ?? 30_000,
      requestTimeoutMs: config.requestTimeoutMs ?? 10_000,
      sendRatePerSecond: config.sendRatePerSecond ?? 10,
      syncMarginMs: config.syncMarginMs ?? 30_000,
      settleSyncDelayMs: config.settleSyncDelayMs ?? 2_000,
      maxConversations: config.maxConversations ?? 500,
      gapRetries: config.gapRetries ?? 6,
      gapRetryDelayMs: config.gapRetryDelayMs ?? 500,
    };
    this.clock = config.clock ?? systemClock;
    this.log = config.logger ?? (() => undefined);
    const WebSocketImpl =
      config.WebSocket ?? (globalThis as unknown as { WebSocket?: WebSocketConstructor }).WebSocket ?? undefined;
    if (!WebSocketImpl) {
      throw new IMError('INVALID_REQUEST', 'no WebSocket here: pass `WebSocket` from the ws package (Node 20)');
    }
    const fetchImpl = config.fetch ?? globalThis.fetch?.bind(globalThis);
    this.http = new Http({
      baseUrl: this.config.serverUrl,
      fetch: fetchImpl,
      token: (force) => this.getToken(force),
      observeServerTime: (ms) => this.observeServerTime(ms, false),
    });
    const wsBase = this.config.serverUrl.replace(/^http/, 'ws');
    this.connection = new Connection({
      url: (token) => `${wsBase}/v1/ws?token=${encodeURIComponent(token)}`,
      token: (force) => this.getToken(force),
      WebSocket: WebSocketImpl,
      clock: this.clock,
      onFrame: (frame) => this.onFrame(frame),
      onStateChange: (event) => {
        this.log('info', `connection ${event.state} (${event.event}${event.closeCode ? ', ' + event.closeCode : ''})`);
        this.events.emit('connectionStateChanged', event);
      },
      onConnected: (first) => this.onConnected(first),
      onSocketLost: () => this.outbox.onSocketLost(),
      onAlive: () => {
        this.lastAliveLocal = this.clock.now();
      },
      pingIntervalMs: this.config.pingIntervalMs,
      pingTimeoutMs: this.config.pingTimeoutMs,
      connectTimeoutMs: this.config.connectTimeoutMs,
      reconnectBaseMs: this.config.reconnectBaseDelayMs,
      reconnectMaxMs: this.config.reconnectMaxDelayMs,
      maxAuthFailures: 3,
      log: this.log,
    });
    this.outbox = new Outbox({
      clock: this.clock,
      isConnected: () => this.connection.isConnected(),
      send: (frame) => this.connection.send(frame),
      nextRequestId: () => this.connection.nextRequestId(),
      onAcked: (entry, ack) => this.onSendAcked(entry, ack),
      onFailed: (entry, error) => this.onSendFailed(entry, error),
      ratePerSecond: this.config.sendRatePerSecond,
    });
    this.sequencer = new Sequencer(
      {
        fetchAfter: (conversation, after, limit) => this.fetchPage(conversation, { after, count: limit }),
        fetchLatest: (conversation, limit, before) => this.fetchPage(conversation, { before, count: limit }),
        deliver: (conversation, messages) => this.deliver(conversation, messages),
        isOwnLocal: (message) => message.clientMsgId !== undefined && this.ownClientMsgIds.has(message.clientMsgId),
        onGapUnresolved: (conversation, from, to) => {
          this.log('warn', `gap in ${conversationKey(conversation)} after ${from} not in history; delivering from ${to}`);
          this.events.emit('error', { code: 'GAP_UNRESOLVED', message: `${conversationKey(conversation)}: ${from}..${to}` });
        },
        setTimer: (fn, ms) => this.clock.setTimeout(fn, ms),
        clearTimer: (handle) => this.clock.clearTimeout(handle),
      },
      { gapRetries: this.config.gapRetries, gapRetryDelayMs: this.config.gapRetryDelayMs },
    );
    this.conversations = new ConversationStore(() => this.currentUser);
  }

  // ---- events -------------------------------------------------------------------------------------------------

  /** Adds a handler; returns the function that removes it. */
  on<K extends keyof IMEvents>(event: K, handler: (payload: IMEvents[K]) => void): () => void {
    return this.events.on(event, handler);
  }

  once<K extends keyof IMEvents>(event: K, handler: (payload: IMEvents[K]) => void): () => void {
    return this.events.once(event, handler);
  }

  off<K extends keyof IMEvents>(event: K, handler: (payload: IMEvents[K]) => void): void {
    this.events.off(event, handler);
  }

  // ---- session ------------------------------------------------------------------------------------------------

  get connectionState(): ConnectionState {
    return this.connection.state;
  }

  get userId(): string | undefined {
    return this.currentUser;
  }

  /**
   * Signs in and connects; resolves once connected. Afterwards the client stays connected by itself until
   * {@link logout}: `connectionStateChanged` tells what happens.
   */
  async login(userId: string, options: { token?: string } = {}): Promise<void> {
    if (!userId) {
      throw new IMError('INVALID_REQUEST', 'userId required');
    }
    if (this.currentUser && this.currentUser !== userId) {
      await this.logout();
    }
    if (this.currentUser === userId && this.connection.state !== 'disconnected') {
      return;
    }
    this.currentUser = userId;
    this.token = options.token;
    this.loginServerTime = 0;
    await this.connection.start(this.config.loginTimeoutMs);
  }

  /** Closes the connection; pending sends fail with NETWORK, local state is cleared. */
  async logout(): Promise<void> {
    if (this.v11Session && this.connection.isConnected()) {
      await this.connection.request({ op: 'logout' }, 2_000).catch(() => undefined);
    }
    this.connection.stop('logout');
    this.outbox.failAll(new IMError('NETWORK', 'logged out'));
    this.clock.clearTimeout(this.settleTimer);
    this.sequencer.clear();
    this.conversations.clear();
    this.serverTotalUnread = undefined;
    this.rooms.clear();
    this.presenceWatch.clear();
    this.ownClientMsgIds.clear();
    this.currentUser = undefined;
    this.token = undefined;
    this.v11Session = false;
  }

  /** Hands the server a new token for the live connection (the SDK does this by itself on `tokenWillExpire`). */
  async renewToken(token: string): Promise<void> {
    const ack = await this.connection.request({ op: 'renewToken', token }, this.config.requestTimeoutMs);
    assertAck(ack);
    this.token = token;
    this.events.emit('tokenRenewed', { expiresAt: tokenExpiry(token) });
  }

  /** Removes every handler and logs out. */
  async destroy(): Promise<void> {
    await this.logout();
    this.events.removeAllListeners();
  }

  // ---- messages -----------------------------------------------------------------------------------------------

  /**
   * Sends a message. The local message (status `sending`) goes to `options.onMessageAttached` at once; the promise
   * resolves with it once the server acked it (`messageId`, `orderKey`, `timestamp`, status `sent`), across reconnects
   * (resent with the same clientMsgId), or rejects with the server's code or TIMEOUT (status `failed`).
   */
  sendMessage(conversation: Conversation, message: MessageContent, options: SendOptions = {}): Promise<Message> {
    const me = this.requireUser();
    const clientMsgId = options.clientMsgId ?? newId('c');
    const local: Message = {
      ...(message as MessageContent),
      conversation: { type: conversation.type, id: conversation.id },
      direction: 'send',
      sentStatus: 'sending',
      clientMsgId,
      localMessageId: newId('l'),
      sender: { id: me },
      timestamp: this.serverNow(),
      priority: options.priority,
      mentions: options.mentions,
    } as Message;
    return this.enqueue(local, message, options);
  }

  /** Sends a failed message again with its clientMsgId (a copy the server already has is not written twice). */
  resendMessage(message: Message, options: SendOptions = {}): Promise<Message> {
    this.requireUser();
    if (message.direction !== 'send' || !message.clientMsgId) {
      return Promise.reject(new IMError('INVALID_REQUEST', 'only messages sent by this client can be resent'));
    }
    message.sentStatus = 'sending';
    delete message.error;
    return this.enqueue(message, contentOf(message), {
      repliedTo: message.repliedTo?.messageId,
      ...options,
      clientMsgId: message.clientMsgId,
    });
  }

  /**
   * Uploads a file and sends it as a media message: attached at once (with `localUrl` for a preview in browsers),
   * progress through `options.onProgress`, then sent by `mediaId`; the server fills in the download URLs.
   */
  async sendMediaMessage(
    conversation: Conversation,
    media: { type: MediaMessageType; file: UploadSource; fileName?: string; audioDuration?: number; videoDuration?: number },
    options: MediaSendOptions = {},
  ): Promise<Message> {
    const me = this.requireUser();
    const clientMsgId = options.clientMsgId ?? newId('c');
    const fileName = media.fileName ?? fileNameOf(media.file);
    const local = {
      type: media.type,
      fileName,
      fileSize: sizeOf(media.file),
      conversation: { type: conversation.type, id: conversation.id },
      direction: 'send',
      sentStatus: 'sending',
      clientMsgId,
      localMessageId: newId('l'),
      sender: { id: me },
      timestamp: this.serverNow(),
      localUrl: localUrlOf(media.file),
    } as unknown as Message;
    options.onMessageAttached?.(local);
    let upload: MediaUploadResult;
    try {
      upload = await this.uploadMedia(media.file, { type: media.type, onProgress: options.onProgress, signal: options.signal, fileName });
    } catch (e) {
      local.sentStatus = 'failed';
      const error = e instanceof IMError ? e : new IMError('NETWORK', (e as Error).message);
      local.error = { code: error.code, message: error.message };
      throw error;
    }
    Object.assign(local, {
      mediaId: upload.mediaId,
      fileDownloadUrl: upload.fileDownloadUrl,
      thumbnailDownloadUrl: upload.thumbnailDownloadUrl,
      largeImageDownloadUrl: upload.largeImageDownloadUrl,
      mimeType: upload.mimeType,
      fileSize: upload.fileSize,
      width: upload.width,
      height: upload.height,
    });
    const content = { type: media.type, mediaId: upload.mediaId, fileName } as MessageContent;
    if (media.audioDuration !== undefined) {
      (content as { audioDuration?: number }).audioDuration = media.audioDuration;
    }
    if (media.videoDuration !== undefined) {
      (content as { videoDuration?: number }).videoDuration = media.videoDuration;
    }
    return this.enqueue(local, content, { ...options, onMessageAttached: undefined, clientMsgId });
  }

  /** `POST /v1/media`: uploads a file (image, file, audio, video) and answers its `mediaId` and download URLs. */
  uploadMedia(
    file: UploadSource,
    options: { type: MediaMessageType; onProgress?: (progress: UploadProgress) => void; signal?: AbortSignal; fileName?: string },
  ): Promise<MediaUploadResult> {
    this.requireUser();
    const source =
      options.fileName && !(file instanceof Blob) ? { ...file, fileName: options.fileName } : file;
    return this.http.upload<MediaUploadResult>('/v1/media', source, { type: options.type }, options.onProgress, options.signal);
  }

  /** Recalls one of the user's messages (within the server's window, 2 min by default). */
  async revokeMessage(message: Message | { conversation: Conversation; messageId: string }): Promise<void> {
    this.requireUser();
    const messageId = message.messageId;
    if (!messageId) {
      throw new IMError('INVALID_REQUEST', 'the message has no messageId yet');
    }
    // the gateway checks a recall against history, which stores a message a moment after its ack: a recall right
    // after the send answers NOT_FOUND until then, so that answer is retried for a few seconds
    const deadline = this.clock.now() + 8_000;
    for (let attempt = 0; ; attempt++) {
      const ack = await this.connection.request(
        { op: 'revoke', to: message.conversation, messageId },
        this.config.requestTimeoutMs,
      );
      const code = (ack.error as { code?: string } | undefined)?.code;
      if (ack.status !== 'success' && code === 'NOT_FOUND' && this.clock.now() < deadline) {
        await new Promise((resolve) => this.clock.setTimeout(() => resolve(undefined), Math.min(1_000, 100 * 2 ** attempt)));
        continue;
      }
      assertAck(ack);
      break;
    }
    const changed = this.conversations.onRevoked(message.conversation, messageId);
    if ('direction' in message) {
      (message as Message).revoked = true;
    }
    if (changed) {
      this.emitConversations([changed]);
    }
  }

  /**
   * v1.1: adds a reaction (1-32 bytes of UTF-8) to a message of a conversation, or with `{ remove: true }` takes it back.
   * Everybody in the conversation then gets `reactionsChanged`; the same reaction twice counts once, and taking back
   * one never given is no error. Refusals: INVALID_REQUEST, NOT_FOUND, REACTION_LIMIT_REACHED.
   */
  async react(
    conversation: Conversation,
    messageId: string,
    reaction: string,
    options: { remove?: boolean } = {},
  ): Promise<void> {
    this.requireUser();
    if (!reaction || new TextEncoder().encode(reaction).length > 32) {
      throw new IMError('INVALID_REQUEST', 'a reaction is 1-32 bytes of UTF-8');
    }
    const ack = await this.connection.request(
      {
        op: 'react',
        to: { type: conversation.type, id: conversation.id },
        messageId,
        reaction,
        ...(options.remove ? { remove: true } : {}),
      },
      this.config.requestTimeoutMs,
    );
    assertAck(ack);
  }

  /**
   * v1.1: replaces the content of one of the user's own text or custom messages (within the server's edit window, 24 h
   * by default). Everybody in the conversation then gets `messageEdited`; a `Message` object passed here is updated at
   * once. Refusals: FORBIDDEN (not the sender), EDIT_WINDOW_PASSED, CONTENT_REJECTED, NOT_FOUND, INVALID_REQUEST.
   */
  async editMessage(
    message: Message | { conversation: Conversation; messageId: string },
    content: MessageContent,
  ): Promise<void> {
    this.requireUser();
    const messageId = message.messageId;
    if (!messageId) {
      throw new IMError('INVALID_REQUEST', 'the message has no messageId yet');
    }
    const ack = await this.connection.request(
      { op: 'edit', to: { type: message.conversation.type, id: message.conversation.id }, messageId, message: content },
      this.config.requestTimeoutMs,
    );
    assertAck(ack);
    if ('direction' in message) {
      Object.assign(message, content, { editedAt: this.serverNow() });
    }
  }

  /** Tells the conversation that this user received (`delivered`) or read (`read`) up to an orderKey. */
  async sendReceipt(conversation: Conversation, orderKey: number, kind: 'delivered' | 'read' = 'read'): Promise<void> {
    this.requireUser();
    const ack = await this.connection.request({ op: 'receipt', to: conversation, orderKey, kind }, this.config.requestTimeoutMs);
    assertAck(ack);
  }

  /** Who received and read a message (by its orderKey). */
  queryMessageReceipts(conversation: Conversation, orderKey: number): Promise<ReceiptsSummary> {
    this.requireUser();
    return this.http.request<ReceiptsSummary>('GET', `${conversationPath(conversation)}/receipts`, undefined, { orderKey });
  }

  /** Stored messages of a conversation, oldest first: the newest page, or older than `before`, or newer than `after`. */
  async queryHistoryMessage(conversation: Conversation, query: HistoryQuery = {}): Promise<HistoryResult> {
    this.requireUser();
    return this.fetchPage(conversation, query);
  }

  /** Full-text search over the user's stored messages (text and custom `searchedContent`), newest first. */
  async searchMessages(keyword: string, options: { count?: number } = {}): Promise<Message[]> {
    this.requireUser();
    const result = await this.http.request<{ messages: WireMessage[] }>('GET', '/v1/search', undefined, {
      q: keyword,
      limit: options.count,
    });
    return result.messages.map((m) => this.toMessage(m, m.conversation!));
  }

  // ---- conversations ------------------------------------------------------------------------------------------

  /** The server's conversation list (newest first); also refreshes the client's copy. */
  async queryConversationList(query: ConversationQuery = {}): Promise<{ conversations: ConversationInfo[]; cursor?: string }> {
    this.requireUser();
    const page = await this.http.request<{ conversations: WireConversation[]; cursor?: string | null }>(
      'GET',
      '/v1/conversations',
      undefined,
      { limit: query.count, cursor: query.cursor, since: query.since },
    );
    const infos = page.conversations.map((c) => this.conversations.applyServer(this.toConversationInfo(c)));
    for (const info of infos) {
      this.sequencer.baseline(info.conversation, info.lastMessage?.orderKey);
    }
    this.events.emit('totalUnreadChanged', { totalUnreadCount: this.conversations.totalUnread() });
    return { conversations: infos, cursor: page.cursor ?? undefined };
  }

  /** The client's copy of the conversation list, newest first (kept current by messages, reads and catch-ups). */
  getConversations(): ConversationInfo[] {
    return this.conversations.list();
  }

  getConversation(conversation: Conversation): ConversationInfo | undefined {
    return this.conversations.get(conversation);
  }

  /** The unread total: a v1.1 server's own figure (over every conversation) once it sent one, else the client's sum. */
  getTotalUnreadCount(): number {
    return this.serverTotalUnread ?? this.conversations.totalUnread();
  }

  /** Marks the conversation read up to its newest message: its unread count and mentions clear (on every device). */
  async clearConversationUnread(conversation: Conversation): Promise<void> {
    this.requireUser();
    const info = this.conversations.get(conversation);
    const orderKey = Math.max(info?.lastMessage?.orderKey ?? -1, this.sequencer.floorOf(conversation) ?? -1);
    if (orderKey < 0) {
      return;
    }
    await this.http.request('POST', `${conversationPath(conversation)}/read`, { orderKey });
    // measured after the request: the server's live events may have changed both while it was under way
    const localBefore = this.conversations.totalUnread();
    const totalBefore = this.getTotalUnreadCount();
    const changed = this.conversations.onRead(conversation, orderKey);
    this.adjustServerTotal(localBefore);
    this.events.emit('conversationChanged', { infoList: [changed] });
    if (this.getTotalUnreadCount() !== totalBefore) {
      this.events.emit('totalUnreadChanged', { totalUnreadCount: this.getTotalUnreadCount() });
    }
  }

  /**
   * A read or delete made here lowers the server's total (when it sent one) by what it lowered this client's sum, at
   * once; the server's own `totalUnreadChanged` that follows confirms it.
   */
  private adjustServerTotal(localBefore: number): void {
    if (this.serverTotalUnread !== undefined) {
      this.serverTotalUnread = Math.max(0, this.serverTotalUnread - (localBefore - this.conversations.totalUnread()));
    }
  }

  /**
   * Deletes one message for this user only (others keep it): history, unread counts and search never show it to this
   * user again, on any of their devices (v1.1; ZIM deleteMessages).
   */
  async deleteMessage(conversation: Conversation, messageId: string): Promise<void> {
    this.requireUser();
    await this.http.request('DELETE', `${conversationPath(conversation)}/messages/${encodeURIComponent(messageId)}`);
    const localBefore = this.conversations.totalUnread();
    const before = this.getTotalUnreadCount();
    const changed = this.conversations.onDeleted(conversation, messageId);
    if (changed) {
      this.emitLocalChange(changed, localBefore, before);
    }
  }

  /** Clears the conversation for this user up to now: its messages, unread count and mentions (v1.1). */
  async clearConversation(conversation: Conversation): Promise<void> {
    this.requireUser();
    await this.http.request('DELETE', `${conversationPath(conversation)}/messages`);
    const localBefore = this.conversations.totalUnread();
    const before = this.getTotalUnreadCount();
    const changed = this.conversations.onCleared(conversation);
    if (changed) {
      this.emitLocalChange(changed, localBefore, before);
    }
  }

  /**
   * Removes the conversation from this user's list (v1.1): it comes back with its next message, counting only newer
   * messages as unread. `conversationChanged` tells with `removed: true`.
   */
  async deleteConversation(conversation: Conversation): Promise<void> {
    this.requireUser();
    await this.http.request('DELETE', conversationPath(conversation));
    const localBefore = this.conversations.totalUnread();
    const before = this.getTotalUnreadCount();
    const removed = this.conversations.onRemoved(conversation);
    if (removed) {
      this.emitLocalChange(removed, localBefore, before);
    }
  }

  private emitLocalChange(info: ConversationInfo, localBefore: number, totalBefore: number): void {
    this.adjustServerTotal(localBefore);
    this.events.emit('conversationChanged', { infoList: [info] });
    if (this.getTotalUnreadCount() !== totalBefore) {
      this.events.emit('totalUnreadChanged', { totalUnreadCount: this.getTotalUnreadCount() });
    }
  }

  // ---- rooms --------------------------------------------------------------------------------------------------

  /** Enters a room (entered again by itself after a reconnect, until {@link leaveRoom}). */
  async enterRoom(roomId: string): Promise<void> {
    this.requireUser();
    this.rooms.add(roomId);
    this.sequencer.reset({ type: 'room', id: roomId });
    if (!this.connection.isConnected()) {
      return;
    }
    const ack = await this.connection.request({ op: 'enterRoom', roomId }, this.config.requestTimeoutMs);
    if (ack.status !== 'success') {
      this.rooms.delete(roomId);
    }
    assertAck(ack);
  }

  async leaveRoom(roomId: string): Promise<void> {
    this.requireUser();
    this.rooms.delete(roomId);
    this.sequencer.reset({ type: 'room', id: roomId });
    if (this.connection.isConnected()) {
      assertAck(await this.connection.request({ op: 'leaveRoom', roomId }, this.config.requestTimeoutMs));
    }
  }

  // ---- presence (v1.1) -----------------------------------------------------------------------------------------

  /**
   * Watches users' presence (Easemob `subscribePresence`, ZIM `subscribeUsersStatus`): after the ack the server pushes
   * each one's current state, then every change, as `presenceChanged`. Lists longer than the server's 100 are sent in
   * parts. Subscribed again after every reconnect, for what is left of `durationSeconds`, until
   * {@link unsubscribePresence}.
   */
  async subscribePresence(userIds: string[], options: { durationSeconds?: number } = {}): Promise<void> {
    this.requireUser();
    const ids = [...new Set(userIds)];
    const expiresAt = options.durationSeconds === undefined ? Infinity : this.clock.now() + options.durationSeconds * 1000;
    const before = new Map(ids.map((id) => [id, this.presenceWatch.get(id)]));
    ids.forEach((id) => this.presenceWatch.set(id, expiresAt));
    if (!this.connection.isConnected()) {
      return;
    }
    try {
      for (const part of chunks(ids, PRESENCE_IDS_MAX)) {
        assertAck(
          await this.connection.request(
            { op: 'subscribePresence', userIds: part, durationSeconds: options.durationSeconds },
            this.config.requestTimeoutMs,
          ),
        );
      }
    } catch (e) {
      before.forEach((held, id) => (held === undefined ? this.presenceWatch.delete(id) : this.presenceWatch.set(id, held)));
      throw e;
    }
  }

  /** Stops watching these users' presence. */
  async unsubscribePresence(userIds: string[]): Promise<void> {
    this.requireUser();
    const ids = [...new Set(userIds)];
    ids.forEach((id) => this.presenceWatch.delete(id));
    if (this.connection.isConnected()) {
      for (const part of chunks(ids, PRESENCE_IDS_MAX)) {
        assertAck(await this.connection.request({ op: 'unsubscribePresence', userIds: part }, this.config.requestTimeoutMs));
      }
    }
  }

  /**
   * Sets this user's custom status (ZIM `updateUserCustomStatus`): at most 64 UTF-8 bytes, no control characters; an
   * empty string clears it. Subscribers get it in their next `presenceChanged`; it stays across reconnects and devices.
   */
  async setStatus(customStatus: string): Promise<void> {
    this.requireUser();
    assertAck(await this.connection.request({ op: 'setStatus', customStatus }, this.config.requestTimeoutMs));
  }

  /** The presence of up to 100 users now (`GET /v1/presence`), in the order asked. */
  async getPresence(userIds: string[]): Promise<PresenceInfo[]> {
    this.requireUser();
    const answer = await this.http.request<{ presence: PresenceInfo[] }>('GET', '/v1/presence', undefined, {
      userIds: userIds.join(','),
    });
    return answer.presence;
  }

  /** After a reconnect: the server forgot the old session's subscriptions; what has not expired is asked for again. */
  private async resubscribePresence(): Promise<void> {
    const now = this.clock.now();
    const byDuration = new Map<number | undefined, string[]>();
    for (const [id, expiresAt] of this.presenceWatch) {
      if (expiresAt <= now) {
        this.presenceWatch.delete(id);
        continue;
      }
      const seconds = expiresAt === Infinity ? undefined : Math.max(1, Math.ceil((expiresAt - now) / 1000));
      byDuration.set(seconds, [...(byDuration.get(seconds) ?? []), id]);
    }
    for (const [durationSeconds, ids] of byDuration) {
      for (const part of chunks(ids, PRESENCE_IDS_MAX)) {
        await this.connection
          .request({ op: 'subscribePresence', userIds: part, durationSeconds }, this.config.requestTimeoutMs)
          .catch((e: Error) => this.log('warn', `could not subscribe to presence again: ${e.message}`));
      }
    }
  }

  // ---- groups -------------------------------------------------------------------------------------------------

  /** Creates a group owned by this user, with the given members. */
  createGroup(group: { groupId: string; name?: string; members?: string[] }): Promise<GroupInfo> {
    this.requireUser();
    return this.http.request<GroupInfo>('POST', '/v1/groups', {
      groupId: group.groupId,
      name: group.name,
      members: group.members ?? [],
    });
  }

  queryGroupMemberList(groupId: string): Promise<GroupInfo> {
    this.requireUser();
    return this.http.request<GroupInfo>('GET', `/v1/groups/${encodeURIComponent(groupId)}/members`);
  }

  /** Adds members (ZIM: inviteUsersIntoGroup): owner or admins. */
  addGroupMembers(groupId: string, userIds: string[]): Promise<GroupInfo> {
    this.requireUser();
    return this.http.request<GroupInfo>('POST', `/v1/groups/${encodeURIComponent(groupId)}/members`, { userIds });
  }

  /** Removes a member (ZIM: kickGroupMembers): owner or admins; removing oneself leaves the group. */
  removeGroupMember(groupId: string, userId: string): Promise<GroupInfo> {
    this.requireUser();
    return this.http.request<GroupInfo>(
      'DELETE',
      `/v1/groups/${encodeURIComponent(groupId)}/members/${encodeURIComponent(userId)}`,
    );
  }

  /** Leaves a group (ZIM: leaveGroup); the owner transfers ownership first (`FORBIDDEN` otherwise). */
  async leaveGroup(groupId: string): Promise<void> {
    this.requireUser();
    await this.http.request<void>('POST', `${groupPath(groupId)}/leave`);
  }

  /** A group with its notice, avatar, attributes and its members' roles (ZIM: queryGroupInfo); members only. */
  getGroup(groupId: string): Promise<GroupDetails> {
    this.requireUser();
    return this.http.request<GroupDetails>('GET', groupPath(groupId));
  }

  /** Changes a group's name, notice, avatar URL or attributes (ZIM: updateGroupName/Notice/…); owner or admins. */
  updateGroup(groupId: string, change: GroupInfoChange): Promise<GroupDetails> {
    this.requireUser();
    return this.http.request<GroupDetails>('PATCH', groupPath(groupId), change);
  }

  /** This user's groups with their role and member count (ZIM: queryGroupList). */
  async myGroups(): Promise<GroupSummary[]> {
    this.requireUser();
    return (await this.http.request<{ groups: GroupSummary[] }>('GET', '/v1/groups')).groups;
  }

  /** Makes a member an admin or a member again (ZIM: setGroupMemberRole); the owner only. */
  setMemberRole(groupId: string, userId: string, role: 'admin' | 'member'): Promise<GroupDetails> {
    this.requireUser();
    return this.http.request<GroupDetails>('PATCH', `${groupPath(groupId)}/members/${encodeURIComponent(userId)}`, { role });
  }

  /** Hands the group to another member (ZIM: transferGroupOwner); this user becomes a member. */
  transferOwner(groupId: string, userId: string): Promise<GroupDetails> {
    this.requireUser();
    return this.http.request<GroupDetails>('POST', `${groupPath(groupId)}/owner`, { userId });
  }

  /** Dismisses the group (ZIM: dismissGroup); the owner only. Every member gets a `groupDismissed` tips message. */
  async dismissGroup(groupId: string): Promise<void> {
    this.requireUser();
    await this.http.request<void>('DELETE', groupPath(groupId));
  }

  // ---- internals ----------------------------------------------------------------------------------------------

  /** Messages still waiting for their ack (oldest first). */
  pendingMessages(): Message[] {
    return this.outbox.pending();
  }

  /** The server's clock as far as this client can tell (ms). */
  serverNow(): number {
    return this.clock.now() + this.serverOffsetMs;
  }

  /** Drops the current socket as a network failure would (diagnostics and tests); the client reconnects by itself. */
  simulateNetworkDrop(): void {
    this.connection.drop('networkError');
  }

  private enqueue(local: Message, content: MessageContent, options: SendOptions): Promise<Message> {
    const conversation = local.conversation;
    const clientMsgId = local.clientMsgId!;
    const repliedTo = typeof options.repliedTo === 'string' ? options.repliedTo : options.repliedTo?.messageId;
    if (options.repliedTo !== undefined && !repliedTo) {
      return Promise.reject(new IMError('INVALID_REQUEST', 'repliedTo needs the messageId of a sent message'));
    }
    this.ownClientMsgIds.add(clientMsgId);
    if (this.ownClientMsgIds.size > 20_000) {
      const first = this.ownClientMsgIds.values().next().value;
      if (first !== undefined) {
        this.ownClientMsgIds.delete(first);
      }
    }
    const frame: Frame = {
      op: 'send',
      to: { type: conversation.type, id: conversation.id },
      clientMsgId,
      message: content,
      ...(options.priority ? { priority: options.priority } : {}),
      // both fields always: the v1 gateway cannot read a mentions object without "all" (see README, known issues)
      ...(options.mentions ? { mentions: { userIds: options.mentions.userIds ?? [], all: Boolean(options.mentions.all) } } : {}),
      ...(options.toUserIds ? { toUserIds: options.toUserIds } : {}),
      ...(options.receipt ? { receipt: true } : {}),
      ...(repliedTo ? { repliedTo: { messageId: repliedTo } } : {}),
      ...(options.extra ?? {}),
    };
    options.onMessageAttached?.(local);
    return new Promise<Message>((resolve, reject) => {
      const entry: OutboxEntry = {
        message: local,
        frame,
        deadline: this.clock.now() + (options.timeout ?? this.config.sendTimeoutMs),
        resolve,
        reject,
        rated: content.type !== 'barrage',
        attempts: 0,
        notBefore: 0,
        timer: null,
      };
      this.outbox.add(entry);
    });
  }

  private onSendAcked(entry: OutboxEntry, ack: Frame): void {
    const message = entry.message;
    message.messageId = ack.messageId as string;
    message.orderKey = ack.orderKey as number;
    message.timestamp = (ack.timestamp as number) ?? message.timestamp;
    message.sentStatus = 'sent';
    if (typeof ack.timestamp === 'number') {
      this.observeServerTime(ack.timestamp, true);
    }
    if (!SIGNAL_TYPES.has(message.type) && typeof message.orderKey === 'number') {
      this.sequencer.ownAck(message.conversation, message.orderKey);
      const changed = this.conversations.onOwnSent(message);
      if (changed) {
        this.emitConversations([changed]);
      }
    }
    entry.resolve(message);
  }

  private onSendFailed(entry: OutboxEntry, error: IMError): void {
    entry.message.sentStatus = 'failed';
    entry.message.error = { code: error.code, message: error.message };
    entry.reject(error);
  }

  private onFrame(frame: Frame): void {
    this.lastAliveLocal = this.clock.now();
    switch (frame.op) {
      case 'ack':
        if (!this.outbox.handleAck(frame)) {
          this.log('debug', `ack for unknown request ${String(frame.id)}`);
        }
        return;
      case 'messages':
        this.onMessages(frame.conversation as Conversation, (frame.messages as WireMessage[]) ?? []);
        return;
      case 'broadcast': {
        const wire = frame.message as WireMessage;
        const message = this.toMessage(wire, { type: 'peer', id: wire.sender?.id ?? 'system' });
        this.events.emit('broadcastMessageReceived', { message });
        return;
      }
      case 'revoked': {
        const conversation = frame.conversation as Conversation;
        const changed = this.conversations.onRevoked(conversation, frame.messageId as string);
        this.events.emit('messageRevoked', { conversation, messageId: frame.messageId as string, by: frame.by as string });
        if (changed) {
          this.emitConversations([changed]);
        }
        return;
      }
      case 'reactionsChanged': {
        const conversation = frame.conversation as Conversation;
        const messageId = frame.messageId as string;
        const reactions = (frame.reactions as MessageReaction[] | undefined) ?? [];
        const changed = this.conversations.onMessageChanged(conversation, messageId, (last) => {
          last.reactions = reactions.length ? reactions : undefined;
        });
        this.events.emit('reactionsChanged', { conversation, messageId, reactions });
        if (changed) {
          this.emitConversations([changed]);
        }
        return;
      }
      case 'messageEdited': {
        const conversation = frame.conversation as Conversation;
        const message = this.toMessage(frame.message as WireMessage, conversation);
        const changed = this.conversations.onMessageChanged(conversation, message.messageId!, (last) => {
          for (const key of Object.keys(last)) {
            if (key !== 'conversation' && key !== 'direction' && key !== 'sentStatus' && key !== 'localMessageId') {
              delete last[key];
            }
          }
          Object.assign(last, message);
        });
        this.events.emit('messageEdited', { conversation, message });
        if (changed) {
          this.emitConversations([changed]);
        }
        return;
      }
      case 'receipt':
        this.events.emit('messageReceiptChanged', {
          conversation: frame.conversation as Conversation,
          orderKey: frame.orderKey as number,
          userId: frame.userId as string,
          kind: frame.kind as 'delivered' | 'read',
        });
        return;
      case 'tokenWillExpire':
        this.events.emit('tokenWillExpire', { secondsLeft: Number(frame.secondsLeft ?? 0) });
        void this.renewFromProvider();
        return;
      case 'closing':
        return;
      case 'error': {
        const error = (frame.error ?? {}) as { code?: string; message?: string };
        this.events.emit('error', { code: error.code ?? 'INTERNAL', message: error.message ?? '' });
        return;
      }
      // v1.1 frames, used when the server sends them
      case 'session':
        this.v11Session = true;
        if (typeof frame.serverTime === 'number') {
          this.observeServerTime(frame.serverTime, true);
        }
        return;
      case 'conversationChanged': {
        this.conversations.serverDriven = true;
        const wire = frame as unknown as WireConversation & { removed?: boolean };
        const info = wire.removed
          ? this.conversations.onRemoved(wire.conversation) ?? { ...this.toConversationInfo(wire), removed: true }
          : this.conversations.applyServer(this.toConversationInfo(wire), true);
        this.events.emit('conversationChanged', { infoList: [info] });
        return;
      }
      case 'totalUnreadChanged': {
        // the server's total covers every conversation, also those this client has not listed
        const total = Number(frame.totalUnreadCount ?? 0);
        if (total !== this.serverTotalUnread) {
          this.serverTotalUnread = total;
          this.events.emit('totalUnreadChanged', { totalUnreadCount: total });
        }
        return;
      }
      case 'presence': {
        const { op: _op, ...info } = frame;
        this.events.emit('presenceChanged', info as unknown as PresenceInfo);
        return;
      }
      default:
        this.events.emit('unknownFrame', { frame });
    }
  }

  private onMessages(conversation: Conversation, wire: WireMessage[]): void {
    const messages = wire.map((m) => this.toMessage(m, conversation));
    const live = messages.filter((m) => SIGNAL_TYPES.has(m.type));
    const stored = messages.filter((m) => !SIGNAL_TYPES.has(m.type));
    for (const m of messages) {
      if (typeof m.timestamp === 'number') {
        this.observeServerTime(m.timestamp, false);
      }
    }
    if (live.length > 0) {
      // commands and barrage are online-only and unordered with the stored stream: straight to the app
      this.emitMessages(conversation, live);
    }
    if (stored.length > 0) {
      this.sequencer.push(conversation, stored);
    }
  }

  private deliver(conversation: Conversation, messages: Message[]): void {
    const changed = this.conversations.onMessages(conversation, messages);
    this.emitMessages(conversation, messages);
    if (changed) {
      this.emitConversations([changed]);
    }
  }

  private emitMessages(conversation: Conversation, messages: Message[]): void {
    const payload = { conversation, messages };
    switch (conversation.type) {
      case 'peer':
        this.events.emit('receivePeerMessage', payload);
        break;
      case 'group':
        this.events.emit('receiveGroupMessage', payload);
        break;
      case 'room':
        this.events.emit('receiveRoomMessage', payload);
        break;
    }
  }

  private lastTotal = 0;

  private emitConversations(infoList: ConversationInfo[]): void {
    this.events.emit('conversationChanged', { infoList });
    const total = this.conversations.totalUnread();
    if (total !== this.lastTotal) {
      this.lastTotal = total;
      this.events.emit('totalUnreadChanged', { totalUnreadCount: total });
    }
  }

  private onConnected(first: boolean): void {
    const sinceLocal = first ? this.clock.now() : this.lastAliveLocal || this.clock.now();
    this.lastAliveLocal = this.clock.now();
    if (first) {
      this.loginServerTime = this.serverNow();
    }
    void this.afterConnect(first, sinceLocal);
  }

  /** Rooms first (sends to them need it), then the outbox, then the catch-up. */
  private async afterConnect(first: boolean, sinceLocal: number): Promise<void> {
    await Promise.all(
      [...this.rooms].map((roomId) =>
        this.connection.request({ op: 'enterRoom', roomId }, this.config.requestTimeoutMs).catch((e: Error) => {
          this.log('warn', `could not enter room ${roomId} again: ${e.message}`);
        }),
      ),
    );
    this.outbox.flush();
    void this.resubscribePresence();
    const since = sinceLocal + this.serverOffsetMs - this.config.syncMarginMs;
    this.catchUp(first ? 'login' : 'reconnect', since);
    this.clock.clearTimeout(this.settleTimer);
    if (this.config.settleSyncDelayMs > 0 && !this.v11Session) {
      this.settleTimer = this.clock.setTimeout(() => {
        this.settleTimer = null;
        if (this.connection.isConnected()) {
          this.catchUp('settle', since);
        }
      }, this.config.settleSyncDelayMs);
    }
  }

  /**
   * Brings the client up to date: the conversations changed since `since` (all of them at login) take the server's
   * figures, and each is synced from where this client stands, so messages that arrived while it was away are handed
   * over once, in order. Catch-ups run one after another.
   */
  private catchUp(kind: 'login' | 'reconnect' | 'settle', since: number): void {
    this.catchUpChain = this.catchUpChain.then(() => this.runCatchUp(kind, since)).catch(() => undefined);
  }

  private async runCatchUp(kind: 'login' | 'reconnect' | 'settle', since: number): Promise<void> {
    if (!this.currentUser) {
      return;
    }
    const quiet = kind === 'settle';
    if (!quiet) {
      this.events.emit('conversationSyncStateChanged', { state: 'syncing' });
    }
    try {
      const items = await this.listConversations(kind === 'login' ? undefined : since);
      const infos: ConversationInfo[] = [];
      const syncs: Array<() => Promise<void>> = [];
      const emitSince = kind === 'login' ? Number.POSITIVE_INFINITY : Math.max(since, this.loginServerTime - 2_000);
      for (const item of items) {
        const info = this.conversations.applyServer(this.toConversationInfo(item));
        infos.push(info);
        const conversation = info.conversation;
        if (kind === 'login') {
          this.sequencer.baseline(conversation, info.lastMessage?.orderKey);
          continue;
        }
        const lastKey = info.lastMessage?.orderKey;
        const floor = this.sequencer.floorOf(conversation);
        if (floor !== undefined) {
          if (lastKey !== undefined && lastKey > floor) {
            syncs.push(() => this.sequencer.sync(conversation));
          }
        } else {
          syncs.push(() => this.sequencer.catchUpNew(conversation, emitSince));
        }
      }
      for (const roomId of this.rooms) {
        const room: Conversation = { type: 'room', id: roomId };
        if (this.sequencer.has(room)) {
          syncs.push(() => this.sequencer.sync(room).catch(() => undefined));
        }
      }
      const failures: Error[] = [];
      await runLimited(
        syncs.map((task) => () =>
          task().catch((e: Error) => {
            // FORBIDDEN or NOT_FOUND (a group left meanwhile) will not heal: only transient failures fail the catch-up
            if (!(e instanceof IMError) || ['NETWORK', 'UNAVAILABLE', 'INTERNAL', 'TIMEOUT'].includes(e.code)) {
              failures.push(e);
            } else {
              this.log('info', `sync skipped: ${e.message}`);
            }
          }),
        ),
        4,
      );
      if (failures.length > 0) {
        throw failures[0];
      }
      if (infos.length > 0) {
        this.emitConversations(infos.map((i) => this.conversations.get(i.conversation) ?? i));
      } else if (kind === 'login') {
        this.events.emit('totalUnreadChanged', { totalUnreadCount: this.conversations.totalUnread() });
      }
      if (!quiet) {
        this.events.emit('conversationSyncStateChanged', { state: 'synced' });
      }
    } catch (e) {
      this.log('warn', `catch-up failed: ${(e as Error).message}`);
      if (!quiet) {
        this.events.emit('conversationSyncStateChanged', { state: 'failed' });
      }
      this.events.emit('error', { code: (e as IMError).code ?? 'INTERNAL', message: `catch-up: ${(e as Error).message}` });
      if (this.connection.isConnected()) {
        this.clock.setTimeout(() => {
          if (this.connection.isConnected()) {
            this.catchUp(kind === 'login' ? 'login' : 'reconnect', since);
          }
        }, 2_000);
      }
    }
  }

  private async listConversations(since: number | undefined): Promise<WireConversation[]> {
    const all: WireConversation[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.http.request<{ conversations: WireConversation[]; cursor?: string | null }>(
        'GET',
        '/v1/conversations',
        undefined,
        { since: since === undefined ? undefined : Math.floor(since), cursor, limit: 100 },
      );
      all.push(...page.conversations);
      cursor = page.cursor ?? undefined;
    } while (cursor && all.length < this.config.maxConversations);
    return all;
  }

  private async fetchPage(conversation: Conversation, query: HistoryQuery): Promise<Page> {
    const page = await this.http.request<{ messages: WireMessage[]; hasMore: boolean }>(
      'GET',
      `${conversationPath(conversation)}/messages`,
      undefined,
      { before: query.before, after: query.after, limit: query.count },
    );
    const messages = page.messages.map((m) => this.toMessage(m, conversation));
    if (query.after === undefined) {
      messages.reverse();
    }
    return { messages, hasMore: page.hasMore };
  }

  private async renewFromProvider(): Promise<void> {
    if (this.renewing || !this.currentUser) {
      return;
    }
    this.renewing = true;
    try {
      for (let attempt = 0; attempt < 5 && this.connection.isConnected(); attempt++) {
        try {
          const token = await this.callProvider();
          await this.renewToken(token);
          return;
        } catch (e) {
          this.log('warn', `token renewal failed: ${(e as Error).message}`);
          this.events.emit('error', { code: (e as IMError).code ?? 'TOKEN_PROVIDER', message: `renewToken: ${(e as Error).message}` });
          await new Promise((resolve) => this.clock.setTimeout(() => resolve(undefined), 1_000 * (attempt + 1)));
        }
      }
    } finally {
      this.renewing = false;
    }
  }

  private async getToken(force: boolean): Promise<string> {
    const now = this.clock.now();
    if (!force && this.token) {
      const exp = tokenExpiry(this.token);
      if (exp === undefined || exp - (now + this.serverOffsetMs) > 5_000) {
        return this.token;
      }
    }
    const token = await this.callProvider();
    this.token = token;
    return token;
  }

  private callProvider(): Promise<string> {
    if (!this.tokenRefresh) {
      const user = this.requireUser();
      this.tokenRefresh = Promise.resolve()
        .then(() => this.config.tokenProvider(user))
        .then((token) => {
          if (typeof token !== 'string' || token.length === 0) {
            throw new IMError('TOKEN_PROVIDER', 'tokenProvider returned no token');
          }
          return token;
        })
        .catch((e: unknown) => {
          throw e instanceof IMError ? e : new IMError('TOKEN_PROVIDER', (e as Error)?.message ?? String(e));
        })
        .finally(() => {
          this.tokenRefresh = null;
        });
    }
    return this.tokenRefresh;
  }

  /** Keeps the largest offset seen from exact server timestamps (they are never later than the server's now). */
  private observeServerTime(serverMs: number, exact: boolean): void {
    const offset = serverMs - this.clock.now();
    if (!this.serverOffsetKnown) {
      this.serverOffsetMs = offset;
      this.serverOffsetKnown = exact;
      return;
    }
    if (exact && offset > this.serverOffsetMs) {
      this.serverOffsetMs = offset;
    }
  }

  private toMessage(wire: WireMessage, conversation: Conversation): Message {
    const { conversation: _ignored, ...rest } = wire as WireMessage & { conversation?: Conversation };
    return {
      ...(rest as object),
      conversation: { type: conversation.type, id: conversation.id },
      direction: wire.sender?.id === this.currentUser ? 'send' : 'receive',
      ...(wire.sender?.id === this.currentUser ? { sentStatus: 'sent' } : {}),
    } as Message;
  }

  private toConversationInfo(item: WireConversation): ConversationInfo {
    return {
      conversation: { type: item.conversation.type, id: item.conversation.id },
      lastMessage: item.lastMessage ? this.toMessage(item.lastMessage, item.conversation) : undefined,
      unreadCount: item.unreadCount ?? 0,
      mentions: item.mentions ?? [],
      updatedAt: item.updatedAt ?? item.lastMessage?.timestamp ?? 0,
    };
  }

  private requireUser(): string {
    if (!this.currentUser) {
      throw new IMError('NOT_LOGGED_IN', 'call login(userId) first');
    }
    return this.currentUser;
  }
}

/** Most users one presence request may name (the server's limit). */
const PRESENCE_IDS_MAX = 100;

function chunks<T>(items: T[], size: number): T[][] {
  const parts: T[][] = [];
  for (let i = 0; i < items.length; i += size) {
    parts.push(items.slice(i, i + size));
  }
  return parts;
}

function assertAck(ack: Frame): void {
  if (ack.status !== 'success') {
    const error = (ack.error ?? {}) as { code?: string; message?: string };
    throw new IMError(error.code ?? 'INTERNAL', error.message);
  }
}

function conversationPath(conversation: Conversation): string {
  return `/v1/conversations/${encodeURIComponent(conversation.type)}/${encodeURIComponent(conversation.id)}`;
}

const SDK_FIELDS = new Set([
  'conversation',
  'direction',
  'sentStatus',
  'localMessageId',
  'error',
  'messageId',
  'orderKey',
  'prevOrderKey',
  'sender',
  'timestamp',
  'clientMsgId',
  'priority',
  'mentions',
  'localUrl',
  'revoked',
  'repliedTo',
  'reactions',
  'editedAt',
]);

function contentOf(message: Message): MessageContent {
  const content: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(message)) {
    if (!SDK_FIELDS.has(key) && value !== undefined) {
      content[key] = value;
    }
  }
  return content as unknown as MessageContent;
}

function fileNameOf(file: UploadSource): string {
  if (file instanceof Blob) {
    return (file as File).name ?? 'file';
  }
  return file.fileName;
}

function sizeOf(file: UploadSource): number {
  if (file instanceof Blob) {
    return file.size;
  }
  return file.data.byteLength;
}

function localUrlOf(file: UploadSource): string | undefined {
  if (file instanceof Blob && typeof URL !== 'undefined' && typeof URL.createObjectURL === 'function') {
    try {
      return URL.createObjectURL(file);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

async function runLimited(tasks: Array<() => Promise<void>>, limit: number): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, tasks.length) }, async () => {
    while (next < tasks.length) {
      const task = tasks[next++]!;
      await task();
    }
  });
  await Promise.all(workers);
}

function groupPath(groupId: string): string {
  return `/v1/groups/${encodeURIComponent(groupId)}`;
}

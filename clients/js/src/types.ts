/** Public types of the SDK. Wire names follow PROTOCOL.md; SDK-only fields are marked as such. */

export type ConversationType = 'peer' | 'group' | 'room';

/** A conversation as the app sees it: for `peer`, `id` is the other user. */
export interface Conversation {
  type: ConversationType;
  id: string;
}

export type MessagePriority = 'low' | 'medium' | 'high';

export type MessageType =
  | 'text'
  | 'command'
  | 'barrage'
  | 'image'
  | 'file'
  | 'audio'
  | 'video'
  | 'location'
  | 'combine'
  | 'custom'
  | 'tips';

export interface Mentions {
  userIds?: string[];
  all?: boolean;
}

/** Fields every media message may carry (the server fills them from the upload named by `mediaId`). */
export interface MediaFields {
  mediaId?: string;
  fileDownloadUrl?: string;
  thumbnailDownloadUrl?: string;
  largeImageDownloadUrl?: string;
  videoFirstFrameDownloadUrl?: string;
  fileName?: string;
  fileSize?: number;
  mimeType?: string;
}

export interface TextContent {
  type: 'text';
  text: string;
}
export interface CommandContent {
  type: 'command';
  /** base64 (see {@link encodeCommand} / {@link decodeCommand}). */
  data: string;
}
export interface BarrageContent {
  type: 'barrage';
  text: string;
}
export interface ImageContent extends MediaFields {
  type: 'image';
  width?: number;
  height?: number;
}
export interface FileContent extends MediaFields {
  type: 'file';
}
export interface AudioContent extends MediaFields {
  type: 'audio';
  audioDuration?: number;
}
export interface VideoContent extends MediaFields {
  type: 'video';
  videoDuration?: number;
}
export interface LocationContent {
  type: 'location';
  latitude: number;
  longitude: number;
  address?: string;
  buildingName?: string;
}
export interface CombineContent {
  type: 'combine';
  title: string;
  summary?: string;
  messages: Message[];
}
export interface CustomContent {
  type: 'custom';
  text: string;
  subType?: number;
  searchedContent?: string;
}
export interface TipsContent {
  type: 'tips';
  event?: string;
  operator?: string;
  targets?: string[];
}

/** What an app sends: the type and its fields. */
export type MessageContent =
  | TextContent
  | CommandContent
  | BarrageContent
  | ImageContent
  | FileContent
  | AudioContent
  | VideoContent
  | LocationContent
  | CombineContent
  | CustomContent
  | TipsContent;

export type MediaMessageType = 'image' | 'file' | 'audio' | 'video';

/** `sending` until the server acked it, `sent` after, `failed` when refused or timed out (SDK field). */
export type MessageSentStatus = 'sending' | 'sent' | 'failed';

/**
 * A message: the wire fields of PROTOCOL.md (`messageId`, `orderKey`, `prevOrderKey`, `sender`, `timestamp`, …) plus the
 * type's fields, and the SDK's own: `conversation`, `direction`, `sentStatus`, `localMessageId` (own sends).
 */
export type Message = MessageContent & {
  messageId?: string;
  clientMsgId?: string;
  orderKey?: number;
  prevOrderKey?: number | null;
  sender?: { id: string; name?: string };
  timestamp?: number;
  priority?: MessagePriority;
  mentions?: Mentions;
  extendedData?: string;
  /** The message was recalled: its type is kept, its content is gone. */
  revoked?: boolean;
  /** v1.1: the message this one replies to, as it was when the reply was sent. */
  repliedTo?: RepliedTo;
  /** v1.1: the reactions users gave it (history and search answers; kept current by `reactionsChanged`). */
  reactions?: MessageReaction[];
  /** v1.1: when its sender last edited it (ms); absent when never. */
  editedAt?: number;
  /** SDK: the conversation it belongs to, as this user sees it. */
  conversation: Conversation;
  /** SDK: `send` for this user's own messages (from any of their devices), `receive` otherwise. */
  direction: 'send' | 'receive';
  /** SDK: delivery state of a message this client sends. */
  sentStatus?: MessageSentStatus;
  /** SDK: the id this client gave a message before the server's `messageId` existed. */
  localMessageId?: string;
  /** SDK: the error of a failed send. */
  error?: { code: string; message?: string };
  [extra: string]: unknown;
};

export interface MentionInfo {
  messageId: string;
  orderKey: number;
  senderId: string;
  all: boolean;
}

/** An entry of the conversation list (ZIM's `ZIMConversation`). */
export interface ConversationInfo {
  conversation: Conversation;
  lastMessage?: Message;
  unreadCount: number;
  mentions: MentionInfo[];
  updatedAt: number;
  /** Set on a `conversationChanged` when the user removed it from their list (here or on another device). */
  removed?: boolean;
}

export type ConnectionState = 'disconnected' | 'connecting' | 'connected' | 'reconnecting';

/** Why the connection state changed. */
export type ConnectionEvent =
  | 'login'
  | 'logout'
  | 'connected'
  | 'networkError'
  | 'pingTimeout'
  | 'serverClosed'
  | 'serverShutdown'
  | 'slowConsumer'
  | 'tokenExpired'
  | 'unauthorized'
  | 'kicked'
  | 'online'
  | 'offline'
  | 'loginTimeout';

export interface ConnectionStateChangedEvent {
  state: ConnectionState;
  event: ConnectionEvent;
  /** The close code of the socket, when a socket closed. */
  closeCode?: number;
  /** The server's reason (`closing` frame or error code), when it gave one. */
  reason?: string;
}

export type ConversationSyncState = 'syncing' | 'synced' | 'failed';

export interface ReceiptInfo {
  conversation: Conversation;
  orderKey: number;
  userId: string;
  kind: 'delivered' | 'read';
}

/** v1.1: the quote a reply carries; the server fills in all but `messageId`. */
export interface RepliedTo {
  messageId: string;
  senderId: string;
  type: MessageType;
  /** At most 100 characters of the quoted text, or the type's name. */
  preview: string;
}

/** v1.1: one reaction on a message: how many gave it and the first 10 of them. */
export interface MessageReaction {
  reaction: string;
  count: number;
  userIds: string[];
}

/** v1.1 `reactionsChanged`: a message's reactions now (empty when none is left). */
export interface ReactionsChangedInfo {
  conversation: Conversation;
  messageId: string;
  reactions: MessageReaction[];
}

/** v1.1 `messageEdited`: the whole message as its sender edited it (original stamps, new content, `editedAt`). */
export interface MessageEditedInfo {
  conversation: Conversation;
  message: Message;
}

export interface RevokeInfo {
  conversation: Conversation;
  messageId: string;
  by: string;
}

export interface MediaUploadResult {
  mediaId: string;
  type: MediaMessageType;
  fileDownloadUrl: string;
  thumbnailDownloadUrl?: string;
  largeImageDownloadUrl?: string;
  fileName?: string;
  fileSize?: number;
  mimeType?: string;
  sha256?: string;
  width?: number;
  height?: number;
  duration?: number;
  durationMs?: number;
  [extra: string]: unknown;
}

export interface GroupInfo {
  groupId: string;
  name?: string;
  owner?: string;
  members: string[];
}

/** A member's role in a group (ZIM's group roles). */
export type GroupMemberRole = 'owner' | 'admin' | 'member';

/** A group with its info and its members' roles (`GET /v1/groups/{id}`). */
export interface GroupDetails {
  groupId: string;
  name?: string;
  notice: string;
  avatarUrl: string;
  attributes: Record<string, string>;
  owner: string;
  members: Array<{ userId: string; role: GroupMemberRole }>;
}

/** One of this user's groups (`GET /v1/groups`). */
export interface GroupSummary {
  groupId: string;
  name?: string;
  role: GroupMemberRole;
  memberCount: number;
}

/** Changes to a group's info: fields left out stay as they are; `attributes` replaces the whole map. */
export interface GroupInfoChange {
  name?: string;
  notice?: string;
  avatarUrl?: string;
  attributes?: Record<string, string>;
}

/** A user's presence: a `presenceChanged` push or an entry of `getPresence`. */
export interface PresenceInfo {
  userId: string;
  state: 'online' | 'offline';
  lastSeenAt?: number;
  customStatus?: string;
}

export interface ReceiptsSummary {
  orderKey: number;
  delivered: string[];
  read: string[];
  deliveredCount: number;
  readCount: number;
}

/** Every event of {@link IMClient}, with what its handlers receive. Names follow ZIM's where it has one. */
export interface IMEvents {
  connectionStateChanged: ConnectionStateChangedEvent;
  /** The server warned that the token expires soon; the SDK renews it through `tokenProvider` by itself. */
  tokenWillExpire: { secondsLeft: number };
  /** The token was renewed on the live connection (`renewToken` acked). */
  tokenRenewed: { expiresAt?: number };
  receivePeerMessage: { conversation: Conversation; messages: Message[] };
  receiveGroupMessage: { conversation: Conversation; messages: Message[] };
  receiveRoomMessage: { conversation: Conversation; messages: Message[] };
  broadcastMessageReceived: { message: Message };
  messageRevoked: RevokeInfo;
  /** v1.1: a message's reactions changed (anybody's, this user's own included). */
  reactionsChanged: ReactionsChangedInfo;
  /** v1.1: its sender edited a message. */
  messageEdited: MessageEditedInfo;
  messageReceiptChanged: ReceiptInfo;
  /**
   * Conversations whose last message, unread count or mentions changed: a v1.1 server pushes them (new messages, reads
   * and deletes on any of the user's devices, recalls); derived client-side on a v1 server. `removed: true` when the user
   * removed it from their list.
   */
  conversationChanged: { infoList: ConversationInfo[] };
  /** The unread total changed (ZIM: conversationTotalUnreadMessageCountUpdated); a v1.1 server's figure once it sent one. */
  totalUnreadChanged: { totalUnreadCount: number };
  /** Catch-up after login or a reconnect: `syncing`, then `synced` (or `failed`). */
  conversationSyncStateChanged: { state: ConversationSyncState };
  /** A watched user's presence (v1.1 `presence` push): the current state right after `subscribePresence`, then each change. */
  presenceChanged: PresenceInfo;
  /** Frames the SDK does not know, for forward compatibility. */
  unknownFrame: { frame: Record<string, unknown> };
  /** Something went wrong in the background (a sync that failed, a renewal that failed). */
  error: { code: string; message: string };
}

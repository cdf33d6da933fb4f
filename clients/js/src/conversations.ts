import type { Conversation, ConversationInfo, MentionInfo, Message } from './types.js';
import { conversationKey } from './util.js';

interface Entry {
  info: ConversationInfo;
  /** The server's unread count and mentions cover every message up to this orderKey. */
  serverCovered: number;
  /** Messages counted here since the server's figures (so none is counted twice). */
  counted: Set<string>;
}

/**
 * The conversation list as this client knows it: the server's figures (conversation list, catch-up, v1.1
 * `conversationChanged`) plus what arrived since, so unread counts follow live messages without drifting: a message is
 * counted once, only when it is newer than what the server's figure covered, and every catch-up takes the server's
 * figure again.
 */
export class ConversationStore {
  private readonly entries = new Map<string, Entry>();
  /** Set when the server pushes conversationChanged itself (v1.1): then nothing is derived here. */
  serverDriven = false;

  constructor(private readonly me: () => string | undefined) {}

  list(): ConversationInfo[] {
    return [...this.entries.values()].map((e) => e.info).sort((a, b) => b.updatedAt - a.updatedAt);
  }

  get(conversation: Conversation): ConversationInfo | undefined {
    return this.entries.get(conversationKey(conversation))?.info;
  }

  totalUnread(): number {
    let total = 0;
    for (const entry of this.entries.values()) {
      total += entry.info.unreadCount;
    }
    return total;
  }

  /**
   * Takes the server's view of a conversation as the truth. A list or catch-up answer may be older than a message that
   * arrived meanwhile, which then stays the last one; a live `conversationChanged` (`live`) is the server's latest word,
   * deletes for me included.
   */
  applyServer(info: ConversationInfo, live = false): ConversationInfo {
    const key = conversationKey(info.conversation);
    const entry: Entry = {
      info: { ...info, mentions: [...(info.mentions ?? [])] },
      serverCovered: info.lastMessage?.orderKey ?? -1,
      counted: new Set(),
    };
    const old = this.entries.get(key);
    if (!live && old?.info.lastMessage && (old.info.lastMessage.orderKey ?? -1) > (info.lastMessage?.orderKey ?? -1)) {
      // a message newer than the server's answer arrived meanwhile: keep it as the last one
      entry.info.lastMessage = old.info.lastMessage;
      entry.info.updatedAt = Math.max(entry.info.updatedAt, old.info.updatedAt);
    }
    this.entries.set(key, entry);
    return entry.info;
  }

  /** Stored messages handed to the app (ascending); returns the conversation when it changed. */
  onMessages(conversation: Conversation, messages: Message[]): ConversationInfo | undefined {
    if (this.serverDriven) {
      return undefined;
    }
    const entry = this.entry(conversation);
    const me = this.me();
    let changed = false;
    for (const message of messages) {
      const key = message.orderKey ?? -1;
      if (!entry.info.lastMessage || key >= (entry.info.lastMessage.orderKey ?? -1)) {
        entry.info.lastMessage = message;
        entry.info.updatedAt = Math.max(entry.info.updatedAt, message.timestamp ?? 0);
        changed = true;
      }
      const id = message.messageId ?? `${key}`;
      if (message.direction === 'receive' && !message.revoked && key > entry.serverCovered && !entry.counted.has(id)) {
        entry.counted.add(id);
        entry.info.unreadCount++;
        const mentions = message.mentions;
        if (mentions && (mentions.all || (me !== undefined && mentions.userIds?.includes(me)))) {
          entry.info.mentions.push({
            messageId: message.messageId ?? '',
            orderKey: key,
            senderId: message.sender?.id ?? '',
            all: Boolean(mentions.all),
          });
        }
        changed = true;
      }
    }
    return changed ? entry.info : undefined;
  }

  /** This client's own message was acked: it becomes the last message. */
  onOwnSent(message: Message): ConversationInfo | undefined {
    return this.onMessages(message.conversation, [message]);
  }

  /** Everything up to `orderKey` was read here. */
  onRead(conversation: Conversation, orderKey: number): ConversationInfo {
    const entry = this.entry(conversation);
    entry.info.unreadCount = 0;
    entry.info.mentions = [];
    entry.serverCovered = Math.max(entry.serverCovered, orderKey);
    entry.counted.clear();
    return entry.info;
  }

  /** A message was recalled: it leaves the unread count (as on the server) and the last message loses its content. */
  /**
   * v1.1 reactions and edits: applies `change` to the conversation's last message when it is the one that changed; the
   * conversation's info when it did.
   */
  onMessageChanged(conversation: Conversation, messageId: string, change: (last: Message) => void): ConversationInfo | undefined {
    const entry = this.entries.get(conversationKey(conversation));
    const last = entry?.info.lastMessage;
    if (!entry || !last || last.messageId !== messageId) {
      return undefined;
    }
    change(last);
    return entry.info;
  }

  onRevoked(conversation: Conversation, messageId: string): ConversationInfo | undefined {
    const entry = this.entries.get(conversationKey(conversation));
    if (!entry) {
      return undefined;
    }
    let changed = false;
    const last = entry.info.lastMessage;
    if (last && last.messageId === messageId) {
      entry.info.lastMessage = revokedCopy(last);
      changed = true;
    }
    if (!this.serverDriven && entry.counted.delete(messageId)) {
      entry.info.unreadCount = Math.max(0, entry.info.unreadCount - 1);
      changed = true;
    }
    const mentions: MentionInfo[] = entry.info.mentions.filter((m) => m.messageId !== messageId);
    if (mentions.length !== entry.info.mentions.length) {
      entry.info.mentions = mentions;
      changed = true;
    }
    return changed ? entry.info : undefined;
  }

  /** A message deleted for me: out of the last message, unread count and mentions here. */
  onDeleted(conversation: Conversation, messageId: string): ConversationInfo | undefined {
    const entry = this.entries.get(conversationKey(conversation));
    if (!entry) {
      return undefined;
    }
    let changed = false;
    if (entry.info.lastMessage?.messageId === messageId) {
      entry.info.lastMessage = undefined; // the one before it comes with the server's conversationChanged
      changed = true;
    }
    if (entry.counted.delete(messageId)) {
      entry.info.unreadCount = Math.max(0, entry.info.unreadCount - 1);
      changed = true;
    }
    const mentions = entry.info.mentions.filter((m) => m.messageId !== messageId);
    if (mentions.length !== entry.info.mentions.length) {
      entry.info.mentions = mentions;
      changed = true;
    }
    return changed ? entry.info : undefined;
  }

  /** The conversation cleared for me: no last message, nothing unread. */
  onCleared(conversation: Conversation): ConversationInfo {
    const entry = this.entry(conversation);
    // what was there is gone for good: only messages after it count again
    entry.serverCovered = Math.max(entry.serverCovered, entry.info.lastMessage?.orderKey ?? -1);
    entry.info.lastMessage = undefined;
    entry.info.unreadCount = 0;
    entry.info.mentions = [];
    entry.counted.clear();
    return entry.info;
  }

  /** The conversation removed from my list; returns it marked `removed`, or undefined when it was not listed. */
  onRemoved(conversation: Conversation): ConversationInfo | undefined {
    const key = conversationKey(conversation);
    const entry = this.entries.get(key);
    if (!entry) {
      return undefined;
    }
    this.entries.delete(key);
    return { ...entry.info, unreadCount: 0, mentions: [], removed: true };
  }

  remove(conversation: Conversation): void {
    this.entries.delete(conversationKey(conversation));
  }

  clear(): void {
    this.entries.clear();
    this.serverDriven = false;
  }

  private entry(conversation: Conversation): Entry {
    const key = conversationKey(conversation);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = {
        info: { conversation: { type: conversation.type, id: conversation.id }, unreadCount: 0, mentions: [], updatedAt: 0 },
        serverCovered: -1,
        counted: new Set(),
      };
      this.entries.set(key, entry);
    }
    return entry;
  }
}

/** The message as a recall leaves it: type and ids kept, content gone (as the server stores it). */
export function revokedCopy(message: Message): Message {
  const keep: Record<string, unknown> = {};
  for (const field of [
    'type',
    'messageId',
    'clientMsgId',
    'orderKey',
    'prevOrderKey',
    'sender',
    'timestamp',
    'priority',
    'conversation',
    'direction',
    'sentStatus',
    'localMessageId',
  ]) {
    if (message[field] !== undefined) {
      keep[field] = message[field];
    }
  }
  keep.revoked = true;
  return keep as Message;
}

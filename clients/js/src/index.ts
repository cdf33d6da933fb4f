export { IMClient } from './client.js';
export type {
  IMClientConfig,
  SendOptions,
  MediaSendOptions,
  HistoryQuery,
  HistoryResult,
  ConversationQuery,
} from './client.js';
export { IMError } from './errors.js';
export type { UploadSource, UploadProgress } from './http.js';
export type { SocketLike, WebSocketConstructor, Clock } from './connection.js';
export { conversationKey, encodeCommand, decodeCommand } from './util.js';
export { devTokenProvider } from './dev.js';
export * from './types.js';

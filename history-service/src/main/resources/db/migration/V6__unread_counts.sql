-- Unread counts kept instead of counted from scratch (issue 10: a count(*) over everything after the read position, for
-- every recipient of every stored batch, grew with each user's unread backlog). One row per (user, conversation) that
-- has been counted: the count up to upto_order_key; the next count adds only the messages stored after it.
-- A row is valid while nothing changed which of the counted messages count:
--   * conversation_generation equals conversation.recall_generation (a recall bumps it, for everybody), and
--   * unread is not null: the user's own read, clear, removal or delete-for-me sets it to null and bumps
--     pair_generation in the same transaction, so a count computed from an older snapshot can never be written back
--     over it (the write-back requires the pair_generation it read).
create table unread_count (
    user_id                  varchar(32)  not null,
    conversation_key         varchar(80)  not null,
    unread                   bigint,
    upto_order_key           bigint       not null,
    conversation_generation  bigint       not null,
    pair_generation          bigint       not null,
    primary key (user_id, conversation_key)
);

alter table conversation add column recall_generation bigint not null default 0;

-- Pending mentions are looked up among the few messages that mention anybody, not among all unread ones.
create index message_mentions on message (conversation_key, order_key) where mentions_all or mentioned is not null;

-- Deletes for me (PROTOCOL v1.1): what one user no longer sees, while the other participants keep it.
-- A clear or a removal is one watermark row per (user, conversation), never a row per message: everything at or below
-- cleared_order_key (or sent at or before cleared_at, for messages written before the clear but stored after it) is gone
-- for the user; a removed conversation stays out of the list until a message newer than removed_order_key arrives, and
-- only messages after it count as unread.
create table conversation_watermark (
    user_id            varchar(32)  not null,
    conversation_key   varchar(80)  not null,
    cleared_order_key  bigint       not null default -1,
    cleared_at         bigint       not null default -1,
    removed_order_key  bigint       not null default -1,
    updated_at         bigint       not null,
    primary key (user_id, conversation_key)
);

-- One row per (user, message) deleted for that user alone; the key is what the history, unread and search queries probe
-- (an anti-join on the primary key, next to the (conversation_key, order_key) index they already use).
create table deleted_message (
    user_id           varchar(32)  not null,
    conversation_key  varchar(80)  not null,
    order_key         bigint       not null,
    message_id        varchar(64)  not null,
    deleted_at        bigint       not null,
    primary key (user_id, conversation_key, order_key)
);

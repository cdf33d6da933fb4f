-- Reliable messages as stored by history-service. One row per message; idempotent on message_id and on
-- (conversation, sender, client_msg_id), so Kafka redelivery, replays and restarts never duplicate.
create table message (
    message_id        varchar(64)  primary key,
    conversation_key  varchar(80)  not null,
    conversation_type varchar(8)   not null,
    order_key         bigint       not null,
    sender_id         varchar(32)  not null,
    client_msg_id     varchar(64),
    type              varchar(16)  not null,
    sent_at           bigint       not null,
    body              text         not null,
    search_text       text,
    search_vector     tsvector generated always as (to_tsvector('simple', coalesce(search_text, ''))) stored,
    mentions_all      boolean      not null default false,
    mentioned         varchar(32)[],
    revoked_at        bigint,
    revoked_by        varchar(32)
);

-- paging by (conversation, orderKey) both ways
create unique index message_conversation_order on message (conversation_key, order_key);
-- a retry through another gateway node is one message
create unique index message_client_msg_id on message (conversation_key, sender_id, client_msg_id)
    where client_msg_id is not null;
create index message_search on message using gin (search_vector);

-- last activity per conversation, for the conversation list
create table conversation (
    conversation_key  varchar(80)  primary key,
    conversation_type varchar(8)   not null,
    last_order_key    bigint       not null,
    last_message_id   varchar(64)  not null,
    updated_at        bigint       not null
);

-- who takes part in a peer conversation (groups come from im.membership)
create table conversation_participant (
    user_id           varchar(32)  not null,
    conversation_key  varchar(80)  not null,
    primary key (user_id, conversation_key)
);

-- a user's read position per conversation
create table read_state (
    user_id           varchar(32)  not null,
    conversation_key  varchar(80)  not null,
    read_order_key    bigint       not null,
    updated_at        bigint       not null,
    primary key (user_id, conversation_key)
);

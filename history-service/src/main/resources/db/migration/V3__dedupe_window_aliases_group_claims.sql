-- The clientMsgId dedupe contract is a window (im.history.dedupe-window, 24 h), not forever: a clientMsgId reused after
-- it is a new message. The unique index goes; a plain one serves the window check made when inserting.
drop index message_client_msg_id;
create index message_client_msg_id on message (conversation_key, sender_id, client_msg_id, sent_at)
    where client_msg_id is not null;

-- A retry written twice (through another gateway node, before the first write was stored) is stored once; the second
-- write's messageId is kept as an alias of the first, so the id its sender was acked with still finds the message.
create table message_alias (
    alias_id    varchar(64) primary key,
    message_id  varchar(64) not null
);

-- Group ids are claimed here, once: the first creator wins, whichever gateway node it came through.
create table group_claim (
    group_id    varchar(32) primary key,
    owner_id    varchar(32) not null,
    claimed_at  bigint      not null
);

-- Message features (PROTOCOL v1.1): reactions and edits.
-- One row per (message, user, reaction): a react seen twice (redelivery, replay, a retried op) counts once, and a
-- remove of an absent row is a no-op. The aggregate participants see is also written into message.body, so history,
-- sync and search answer it without a join.
create table message_reaction (
    message_id  varchar(64)  not null,
    user_id     varchar(32)  not null,
    reaction    varchar(64)  not null,
    reacted_at  bigint       not null,
    primary key (message_id, user_id, reaction)
);

-- The latest edit of a message: its time (editedAt, as answered) and the orderKey of the edit record, so edits apply in
-- the conversation's order (last wins) and a replayed older edit changes nothing.
alter table message add column edited_at bigint;
alter table message add column edit_order_key bigint;

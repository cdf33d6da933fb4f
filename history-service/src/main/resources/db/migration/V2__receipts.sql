-- Delivered and read positions per user and conversation, from receipt actions on im.messages.reliable (so they
-- rebuild from Kafka like the messages). Per user for peers; groups answer counts from the same rows.
create table receipt_position (
    conversation_key  varchar(80)  not null,
    user_id           varchar(32)  not null,
    kind              varchar(10)  not null,
    order_key         bigint       not null,
    updated_at        bigint       not null,
    primary key (conversation_key, user_id, kind)
);

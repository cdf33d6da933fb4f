-- Uploads as stored by media-service, in its own schema "media". One row per upload; the files themselves live in the
-- storage back end under keys derived from media_id, never from user input.
create table media (
    media_id          varchar(36)   primary key,
    owner_id          varchar(32)   not null,
    type              varchar(8)    not null,
    file_name         varchar(255)  not null,
    file_size         bigint        not null,
    mime_type         varchar(100)  not null,
    sha256            char(64)      not null,
    width             integer,
    height            integer,
    duration_ms       bigint,
    created_at        bigint        not null,
    -- image variants: their own size, type and hash (the ETag)
    thumbnail_size    bigint,
    thumbnail_mime    varchar(100),
    thumbnail_sha256  char(64),
    large_size        bigint,
    large_mime        varchar(100),
    large_sha256      char(64)
);

create index media_owner on media (owner_id, created_at);

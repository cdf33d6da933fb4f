-- Uploads whose message was recalled: withdrawn for good (every URL answers GONE, none is signed again). Set by the
-- im.media withdrawal records that history writes when it applies a recall; null while the upload is live.
alter table media add column withdrawn_at bigint;
alter table media add column withdrawn_by varchar(32);

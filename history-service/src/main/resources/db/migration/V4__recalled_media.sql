-- The upload a recalled message carried: its content is gone from the body, but the recall's withdrawal record for
-- media-service (im.media) must be written again if the recall is seen again (a retried batch, a replay), so the id stays.
alter table message add column revoked_media_id varchar(36);

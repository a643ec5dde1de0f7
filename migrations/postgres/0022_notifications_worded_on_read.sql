-- A terminal notification is worded when it is read, from its run, in the reader's language:
-- new rows store only what they are about (kind and run). Title, body and link stay for the
-- rows written before, which keep reading as they were written.
ALTER TABLE notifications ALTER COLUMN title DROP NOT NULL;
ALTER TABLE notifications ALTER COLUMN body DROP NOT NULL;
ALTER TABLE notifications ALTER COLUMN link DROP NOT NULL;

-- The language a user chose for their pages: 'en' or 'de'. NULL: follow the browser's
-- Accept-Language. An unknown value reads as NULL, so a bad row never stops a page.
ALTER TABLE users ADD COLUMN locale TEXT;

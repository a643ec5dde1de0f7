-- Review-pack contents live in the database, in chunks read one at a time, so any instance
-- serves any download without holding a whole pack in memory, and retention deletes them
-- once for every instance. Packs made before kept their file on one instance's disk, which
-- the others could not read: they are expired here (their review can be packed again).

CREATE TABLE review_pack_chunks (
    pack_id  INTEGER NOT NULL REFERENCES review_packs (id),
    seq      INTEGER NOT NULL,
    bytes    BLOB    NOT NULL,
    PRIMARY KEY (pack_id, seq)
);

UPDATE review_packs SET status = 'expired' WHERE status = 'ready';

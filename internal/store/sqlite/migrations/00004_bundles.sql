-- Project bundles: the encoded files of deployed pipeline projects, kept
-- once per content digest. size and created serve a later garbage
-- collection (bundles no version refers to, older than some age) without
-- reading data. Not WITHOUT ROWID: its rows are large, which that layout
-- stores badly.

-- +goose Up
CREATE TABLE bundles (
    digest  TEXT    PRIMARY KEY,
    size    INTEGER NOT NULL,
    created INTEGER NOT NULL,
    data    BLOB    NOT NULL
);

-- +goose Down
DROP TABLE bundles;

// Package sqlrows is what the two SQL stores (internal/store/sqlite and
// internal/store/postgres) share of their rows: page tokens, how times and
// other values are encoded in columns, and the decoders of the rows whose
// columns are the same in both schemas. It holds no SQL that differs
// between the two (placeholders, dialect) and opens no database.
package sqlrows

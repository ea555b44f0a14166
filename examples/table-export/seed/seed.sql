-- The shop's orders: two days of them (2026-11-20 and 2026-11-21).
BEGIN;
DROP TABLE IF EXISTS orders;
CREATE TABLE orders (
  id       INTEGER PRIMARY KEY,
  day      TEXT NOT NULL,      -- YYYY-MM-DD
  customer TEXT NOT NULL,
  amount   NUMERIC NOT NULL
);
CREATE INDEX orders_day ON orders (day);
INSERT INTO orders (id, day, customer, amount) VALUES
  (1, '2026-11-20', 'acme', 120.50),
  (2, '2026-11-20', 'globex', 75),
  (3, '2026-11-20', 'initech', 310.25),
  (4, '2026-11-21', 'acme', 42),
  (5, '2026-11-21', 'umbrella', 999.99);
COMMIT;

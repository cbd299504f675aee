-- The start page's placeholder counter: one row, incremented by the `save_click` server function.
CREATE TABLE click_counter (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    total BIGINT NOT NULL DEFAULT 0
);

INSERT INTO click_counter (id, total) VALUES (1, 0);

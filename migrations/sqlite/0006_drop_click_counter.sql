-- The start page's placeholder counter (0001) gave way to the todo list.
DROP TABLE click_counter;

-- Roles, granted to users many-to-many. Registration grants `user`; `admin` opens the administration pages.
CREATE TABLE roles (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT ''
);

CREATE TABLE roles_users (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id INTEGER NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, role_id)
);

CREATE INDEX roles_users_role_id ON roles_users (role_id);

INSERT INTO roles (name, description) VALUES
    ('user', 'Keeps a todo list.'),
    ('admin', 'Manages users and roles.');

-- The platform: federation tree, dictionaries, people and families,
-- accounts, sessions, audit and jobs. Times are unix milliseconds (UTC).

CREATE TABLE orgs (
    id            INTEGER PRIMARY KEY,
    parent_id     INTEGER REFERENCES orgs(id),
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    division_code TEXT NOT NULL DEFAULT '',
    contact       TEXT NOT NULL DEFAULT '',
    phone         TEXT NOT NULL DEFAULT '',
    address       TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL DEFAULT 'active',
    depth         INTEGER NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX orgs_parent ON orgs(parent_id);
CREATE UNIQUE INDEX orgs_division ON orgs(division_code) WHERE division_code <> '';

-- org_closure holds one row per (ancestor, descendant) pair, itself included
-- at depth 0: subtree membership is an exact join, never a string prefix.
CREATE TABLE org_closure (
    ancestor_id   INTEGER NOT NULL REFERENCES orgs(id),
    descendant_id INTEGER NOT NULL REFERENCES orgs(id),
    depth         INTEGER NOT NULL,
    PRIMARY KEY (ancestor_id, descendant_id)
);
CREATE INDEX org_closure_descendant ON org_closure(descendant_id, ancestor_id);

CREATE TABLE dictionaries (
    name      TEXT PRIMARY KEY,
    label     TEXT NOT NULL,
    built_in  BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE dict_items (
    dict        TEXT NOT NULL REFERENCES dictionaries(name),
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    parent_code TEXT NOT NULL DEFAULT '',
    sort        INTEGER NOT NULL DEFAULT 0,
    enabled     BOOLEAN NOT NULL DEFAULT TRUE,
    PRIMARY KEY (dict, code)
);

CREATE TABLE people (
    id               INTEGER PRIMARY KEY,
    org_id           INTEGER NOT NULL REFERENCES orgs(id),
    name             TEXT NOT NULL,
    id_hash          BLOB NOT NULL,
    id_enc           BLOB NOT NULL,
    id_masked        TEXT NOT NULL,
    phone_hash       BLOB,
    phone_enc        BLOB,
    phone_masked     TEXT NOT NULL DEFAULT '',
    sex              TEXT NOT NULL,
    birth_date       TEXT NOT NULL,
    ethnicity        TEXT NOT NULL DEFAULT '',
    education        TEXT NOT NULL DEFAULT '',
    employment       TEXT NOT NULL DEFAULT '',
    address_division TEXT NOT NULL DEFAULT '',
    address_enc      BLOB,
    note             TEXT NOT NULL DEFAULT '',
    created_by       INTEGER,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE UNIQUE INDEX people_id_hash ON people(id_hash);
CREATE INDEX people_org ON people(org_id, id);
CREATE INDEX people_name ON people(name, id);
CREATE INDEX people_phone_hash ON people(phone_hash);
CREATE INDEX people_birth ON people(birth_date);

CREATE TABLE person_tags (
    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    tag       TEXT NOT NULL,
    PRIMARY KEY (person_id, tag)
);
CREATE INDEX person_tags_tag ON person_tags(tag, person_id);

CREATE TABLE families (
    id         INTEGER PRIMARY KEY,
    org_id     INTEGER NOT NULL REFERENCES orgs(id),
    name       TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX families_org ON families(org_id, id);

CREATE TABLE family_members (
    family_id INTEGER NOT NULL REFERENCES families(id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES people(id),
    relation  TEXT NOT NULL,
    PRIMARY KEY (family_id, person_id)
);
CREATE INDEX family_members_person ON family_members(person_id);

CREATE TABLE consents (
    id            INTEGER PRIMARY KEY,
    person_id     INTEGER NOT NULL REFERENCES people(id),
    purpose       TEXT NOT NULL,
    given_on      TEXT NOT NULL,
    by_guardian   BOOLEAN NOT NULL DEFAULT FALSE,
    guardian_name TEXT NOT NULL DEFAULT '',
    created_by    INTEGER,
    created_at    BIGINT NOT NULL
);
CREATE INDEX consents_person ON consents(person_id);

CREATE TABLE roles (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    scope       TEXT NOT NULL,
    permissions TEXT NOT NULL,
    built_in    BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL DEFAULT '',
    org_id         INTEGER NOT NULL REFERENCES orgs(id),
    role           TEXT NOT NULL REFERENCES roles(code),
    scope_orgs     TEXT NOT NULL DEFAULT '',
    password_hash  TEXT NOT NULL,
    must_change    BOOLEAN NOT NULL DEFAULT TRUE,
    disabled       BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    locked_until   BIGINT NOT NULL DEFAULT 0,
    last_login_at  BIGINT NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX users_org ON users(org_id);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         BIGINT NOT NULL,
    user_id    INTEGER,
    username   TEXT NOT NULL DEFAULT '',
    org_id     INTEGER,
    action     TEXT NOT NULL,
    entity     TEXT NOT NULL DEFAULT '',
    entity_id  INTEGER,
    detail     TEXT NOT NULL DEFAULT '',
    ip         TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_at ON audit_log(at);
CREATE INDEX audit_user ON audit_log(user_id, at);
CREATE INDEX audit_org ON audit_log(org_id, at);

-- The audit log is append-only: no update ever, and no delete of an entry
-- younger than 180 days.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_early_delete BEFORE DELETE ON audit_log
WHEN OLD.at > (CAST(strftime('%s','now') AS INTEGER) - 180*86400) * 1000
BEGIN
    SELECT RAISE(ABORT, 'audit_log entries are kept at least 180 days');
END;

CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    state        TEXT NOT NULL,
    user_id      INTEGER,
    org_id       INTEGER,
    payload      BLOB,
    report       TEXT NOT NULL DEFAULT '',
    total        INTEGER NOT NULL DEFAULT 0,
    done         INTEGER NOT NULL DEFAULT 0,
    result       TEXT NOT NULL DEFAULT '',
    error        TEXT NOT NULL DEFAULT '',
    attempts     INTEGER NOT NULL DEFAULT 0,
    locked_until BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX jobs_state ON jobs(state, id);
CREATE INDEX jobs_user ON jobs(user_id, id);

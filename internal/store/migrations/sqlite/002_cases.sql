-- Rights cases: the 12338 hotline and dispute work.

CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);

CREATE TABLE cases (
    id                 INTEGER PRIMARY KEY,
    number             TEXT NOT NULL UNIQUE,
    channel            TEXT NOT NULL,
    category           TEXT NOT NULL,
    summary            TEXT NOT NULL,
    description_enc    BLOB,
    state              TEXT NOT NULL,
    urgency            TEXT NOT NULL,
    restricted         BOOLEAN NOT NULL DEFAULT FALSE,
    risk_level         TEXT NOT NULL DEFAULT '',
    risk_answers       TEXT NOT NULL DEFAULT '',
    risk_rule          TEXT NOT NULL DEFAULT '',
    anonymous          BOOLEAN NOT NULL DEFAULT FALSE,
    person_id          INTEGER REFERENCES people(id),
    intake_org_id      INTEGER NOT NULL REFERENCES orgs(id),
    handling_org_id    INTEGER NOT NULL REFERENCES orgs(id),
    assigned_by_org_id INTEGER,
    handler_user_id    INTEGER,
    due_at             BIGINT NOT NULL DEFAULT 0,
    extended           BOOLEAN NOT NULL DEFAULT FALSE,
    escalations        INTEGER NOT NULL DEFAULT 0,
    result             TEXT NOT NULL DEFAULT '',
    measures           TEXT NOT NULL DEFAULT '',
    satisfaction       TEXT NOT NULL DEFAULT '',
    supervise_note     TEXT NOT NULL DEFAULT '',
    supervise_due      BIGINT NOT NULL DEFAULT 0,
    supervise_org_id   INTEGER,
    tracking_hash      BLOB,
    contact_phone_enc  BLOB,
    created_by         INTEGER,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    accepted_at        BIGINT NOT NULL DEFAULT 0,
    closed_at          BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX cases_handling ON cases(handling_org_id, id);
CREATE INDEX cases_open_due ON cases(state, due_at);
CREATE INDEX cases_created ON cases(created_at);
CREATE INDEX cases_person ON cases(person_id);
CREATE UNIQUE INDEX cases_tracking ON cases(tracking_hash) WHERE tracking_hash IS NOT NULL;

CREATE TABLE case_parties (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    role        TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    person_id   INTEGER REFERENCES people(id),
    phone_enc   BLOB,
    address_enc BLOB,
    minor       BOOLEAN NOT NULL DEFAULT FALSE,
    note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_parties_case ON case_parties(case_id);

-- The timeline: one row per action, never updated.
CREATE TABLE case_events (
    id              INTEGER PRIMARY KEY,
    case_id         INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    at              BIGINT NOT NULL,
    action          TEXT NOT NULL,
    from_state      TEXT NOT NULL DEFAULT '',
    to_state        TEXT NOT NULL DEFAULT '',
    org_id          INTEGER,
    handling_org_id INTEGER,
    user_id         INTEGER,
    username        TEXT NOT NULL DEFAULT '',
    note            TEXT NOT NULL DEFAULT '',
    public_note     TEXT NOT NULL DEFAULT '',
    due_at          BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX case_events_case ON case_events(case_id, id);

-- One row per missed deadline escalated: the primary key makes escalation
-- idempotent across restarts and across servers.
CREATE TABLE case_escalations (
    case_id       INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    missed_due_at BIGINT NOT NULL,
    from_org_id   INTEGER NOT NULL,
    to_org_id     INTEGER,
    at            BIGINT NOT NULL,
    PRIMARY KEY (case_id, missed_due_at)
);

CREATE TABLE referrals (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    agency_type TEXT NOT NULL,
    agency_name TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL,
    sent_at     BIGINT NOT NULL,
    received_at BIGINT NOT NULL DEFAULT 0,
    feedback_at BIGINT NOT NULL DEFAULT 0,
    outcome     TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    created_by  INTEGER,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX referrals_case ON referrals(case_id);

CREATE TABLE protection_orders (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    issuer      TEXT NOT NULL DEFAULT '',
    issued_on   TEXT NOT NULL,
    expires_on  TEXT NOT NULL DEFAULT '',
    reminded_at BIGINT NOT NULL DEFAULT 0,
    note        TEXT NOT NULL DEFAULT '',
    created_by  INTEGER,
    created_at  BIGINT NOT NULL
);
CREATE INDEX protection_orders_case ON protection_orders(case_id);
CREATE INDEX protection_orders_expiry ON protection_orders(expires_on);

CREATE TABLE mediations (
    id            INTEGER PRIMARY KEY,
    case_id       INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    held_on       TEXT NOT NULL,
    participants  TEXT NOT NULL DEFAULT '',
    agreed        BOOLEAN NOT NULL DEFAULT FALSE,
    agreement_enc BLOB,
    note          TEXT NOT NULL DEFAULT '',
    created_by    INTEGER,
    created_at    BIGINT NOT NULL
);
CREATE INDEX mediations_case ON mediations(case_id);

CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    data_enc     BLOB NOT NULL,
    created_by   INTEGER,
    created_at   BIGINT NOT NULL
);
CREATE INDEX attachments_case ON attachments(case_id);

-- In-app notifications, addressed to an org (every user acting for it) or
-- to one user.
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    org_id     INTEGER,
    user_id    INTEGER,
    kind       TEXT NOT NULL,
    case_id    INTEGER,
    message    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX notifications_org ON notifications(org_id, id);
CREATE INDEX notifications_user ON notifications(user_id, id);

CREATE TABLE holidays (
    day  TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT ''
);

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Monthly dispute screening: one report per village and month.
CREATE TABLE screening_reports (
    id          INTEGER PRIMARY KEY,
    org_id      INTEGER NOT NULL REFERENCES orgs(id),
    month       TEXT NOT NULL,
    none_found  BOOLEAN NOT NULL DEFAULT FALSE,
    note        TEXT NOT NULL DEFAULT '',
    reported_by INTEGER,
    reported_at BIGINT NOT NULL,
    UNIQUE (org_id, month)
);
CREATE INDEX screening_reports_month ON screening_reports(month, org_id);

CREATE TABLE screening_disputes (
    id         INTEGER PRIMARY KEY,
    report_id  INTEGER NOT NULL REFERENCES screening_reports(id) ON DELETE CASCADE,
    org_id     INTEGER NOT NULL REFERENCES orgs(id),
    category   TEXT NOT NULL,
    summary    TEXT NOT NULL,
    parties    TEXT NOT NULL DEFAULT '',
    status     TEXT NOT NULL DEFAULT 'open',
    case_id    INTEGER REFERENCES cases(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX screening_disputes_report ON screening_disputes(report_id);

-- Fixed-window counters for rate limits shared by every server.
CREATE TABLE rate_limits (
    key     TEXT NOT NULL,
    win     BIGINT NOT NULL,
    count   INTEGER NOT NULL,
    PRIMARY KEY (key, win)
);
